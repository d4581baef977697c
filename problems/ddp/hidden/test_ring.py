"""Hidden tests: ring_all_reduce against dist.all_reduce, point-to-point only."""
import math

import numpy as np
import pytest
import torch

from ddp_util import tensor

# Methods of the process-group object: every torch.distributed call (send, isend, recv,
# irecv, batch_isend_irecv, P2POp, and every collective) ends in one of these, so
# watching them sees the traffic whichever public spelling the submission uses.
PG_P2P = ("send", "recv", "recv_anysource")
PG_COLLECTIVES = (
    "allreduce", "allreduce_coalesced", "reduce", "broadcast", "allgather", "_allgather_base",
    "allgather_coalesced", "allgather_into_tensor_coalesced", "all_gather_single",
    "all_gather_single_coalesced", "reduce_scatter", "_reduce_scatter_base", "reduce_scatter_single",
    "reduce_scatter_single_coalesced", "reduce_scatter_tensor_coalesced", "alltoall", "alltoall_base",
    "all_to_all_single", "gather", "scatter", "barrier", "monitored_barrier",
)


class Watch:
    """While ring_all_reduce runs, wrap the methods of the default process group's class:
    count the elements sent and to whom, check where receives come from, refuse collectives.

    Wrapping the class (not the ``torch.distributed`` functions) leaves every public
    function object untouched, so ``P2POp``'s check that ``op`` is ``dist.isend`` or
    ``dist.irecv`` holds however the submission keeps its references to them."""

    def __init__(self, rank, world_size):
        import torch.distributed.distributed_c10d as c10d

        self.rank, self.world_size = rank, world_size
        self.right = (rank + 1) % world_size
        self.left = (rank - 1) % world_size
        self.sent = 0
        self.bad_peer = 0
        self.collectives = 0
        self.saved = []
        self.cls = type(c10d._get_default_group())

    def _owner(self, name):
        for klass in self.cls.__mro__:
            if name in vars(klass):
                return klass
        return None

    def _wrap(self, name, raw):
        def original(pg):  # the method bound to ``pg``, as the class would bind it
            return raw.__get__(pg, type(pg))

        if name == "send":
            def wrapped(pg, tensors, dst, *args, **kwargs):
                self.sent += sum(t.numel() for t in tensors)
                if dst != self.right:
                    self.bad_peer += 1
                return original(pg)(tensors, dst, *args, **kwargs)
        elif name == "recv":
            def wrapped(pg, tensors, src, *args, **kwargs):
                if src != self.left:
                    self.bad_peer += 1
                return original(pg)(tensors, src, *args, **kwargs)
        elif name == "recv_anysource":  # in a ring only the left neighbour sends to this rank
            def wrapped(pg, *args, **kwargs):
                return original(pg)(*args, **kwargs)
        else:
            def wrapped(pg, *args, **kwargs):
                self.collectives += 1
                raise RuntimeError(f"ring_all_reduce may not call a collective ({name}): use send/recv")
        return wrapped

    def __enter__(self):
        for name in PG_P2P + PG_COLLECTIVES:
            owner = self._owner(name)
            if owner is None:
                continue
            raw = vars(owner)[name]
            self.saved.append((owner, name, raw))
            setattr(owner, name, self._wrap(name, raw))
        return self

    def __exit__(self, *exc):
        for owner, name, raw in reversed(self.saved):
            setattr(owner, name, raw)
        return False


def _ring_task(sol, rank, world_size, cases):
    import torch.distributed as dist

    result = {}
    for i, per_rank in enumerate(cases):
        t = per_rank[rank].clone()
        ptr = t.data_ptr()
        with Watch(rank, world_size) as watch:
            out = sol.ring_all_reduce(t)
        expected = per_rank[rank].clone()
        dist.all_reduce(expected)
        result[f"out{i}"] = out
        result[f"inplace{i}"] = np.asarray(t.data_ptr() == ptr and torch.equal(t, out))
        result[f"same_object{i}"] = np.asarray(out is t)
        result[f"expected{i}"] = expected
        result[f"sent{i}"] = np.asarray(watch.sent)
        result[f"bad_peer{i}"] = np.asarray(watch.bad_peer)
        result[f"collectives{i}"] = np.asarray(watch.collectives)
    return result


def _check_ring(results, cases, world_size, check):
    for i, per_rank in enumerate(cases):
        n = per_rank[0].numel()
        budget = 2 * (world_size - 1) * math.ceil(n / world_size)
        exact = not per_rank[0].dtype.is_floating_point or all(
            bool(torch.all(t == t.round())) for t in per_rank)
        if not exact:
            # any summation order is a correct sum: each of the world_size - 1 additions
            # rounds by at most eps/2 of the sum of magnitudes, for the reference as well
            eps = torch.finfo(per_rank[0].dtype).eps
            magnitude = sum(t.double().abs().numpy() for t in per_rank)
            bound = world_size * eps * magnitude
        for r, res in enumerate(results):
            assert int(res[f"collectives{i}"]) == 0, f"case {i}: a collective was called"
            assert int(res[f"bad_peer{i}"]) == 0, f"case {i}: rank {r} talked to a non-neighbour"
            assert int(res[f"sent{i}"]) <= budget, f"case {i}: rank {r} sent more than a ring does"
            out, expected = res[f"out{i}"], res[f"expected{i}"]
            assert out.shape == expected.shape and out.dtype == expected.dtype, f"case {i}: shape/dtype"
            if exact:
                assert np.array_equal(out, expected), f"case {i}: rank {r} differs from all_reduce"
            else:
                assert np.all(np.abs(out.astype(np.float64) - expected) <= bound), \
                    f"case {i}: rank {r} differs from all_reduce by more than float rounding"
            assert bool(res[f"inplace{i}"]), f"case {i}: the input tensor was not updated in place"
            assert bool(res[f"same_object{i}"]), f"case {i}: did not return the tensor it was given"
        tol = dict(exact=True) if exact else dict(rtol=1e-6, atol=float(bound.max()))
        check(f"case{i}", results[-1][f"out{i}"], **tol)
        check(f"case{i}/rank0", results[0][f"out{i}"], **tol)


def _cases(rng, world_size, shapes_dtypes):
    cases = []
    for shape, dtype in shapes_dtypes:
        if dtype.is_floating_point:
            per_rank = [tensor(rng.standard_normal(shape), dtype) for _ in range(world_size)]
        else:
            per_rank = [torch.from_numpy(rng.integers(-1000, 1000, size=shape)).to(dtype)
                        for _ in range(world_size)]
        cases.append(per_rank)
    return cases


@pytest.mark.weight(2)
@pytest.mark.parametrize("world_size", [2, 3])
def test_ring_all_reduce_matches_all_reduce(ranks, rng, check, world_size):
    cases = _cases(rng, world_size, [((4, 6), torch.float32), ((12,), torch.float64)])
    # integer-valued floats: every summation order gives the same bits
    cases.append([tensor(rng.integers(-50, 50, size=(3, 4)).astype(np.float32)) for _ in range(world_size)])
    results = ranks(world_size, _ring_task, cases)
    _check_ring(results, cases, world_size, check)


@pytest.mark.weight(2)
def test_ring_all_reduce_uneven_sizes(ranks, rng, check):
    world_size = 3
    # 7, 10 and 5 elements do not split evenly; 2 elements leave a rank an empty chunk; one
    # scalar; int32 as well as int64
    cases = _cases(rng, world_size, [((7,), torch.float32), ((2, 5), torch.int64),
                                     ((2,), torch.float32), ((), torch.float64), ((5,), torch.int32)])
    results = ranks(world_size, _ring_task, cases)
    _check_ring(results, cases, world_size, check)
