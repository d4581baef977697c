"""copy_to_parallel_region (f) and reduce_from_parallel_region (g): values, gradients,
arguments left unmodified, and the collectives each direction runs."""
import numpy as np
import pytest
import torch

from tp_cases import close
from tp_ranks import CountCollectives


def _region_task(sol, rank, world_size, name, xs, grads):
    fn = getattr(sol, name)
    x = xs[rank].clone().requires_grad_(True)
    grad = grads[rank].clone()
    with CountCollectives() as fwd:
        y = fn(x)
    y_before = y.detach().clone()
    seen = []  # the gradient tensor handed to the function's backward, and a copy of it
    y.register_hook(lambda g: seen.extend([g, g.clone()]))
    with CountCollectives() as bwd:
        (y * grad).sum().backward()  # (y.backward(grad) would import sympy: seconds per fresh rank)
    return {"y": y_before, "x_after": x.detach(), "grad_seen": seen[1], "grad_after": seen[0], "x_grad": x.grad,
            "dtype": str(y.dtype), "fwd": fwd.total(), "fwd_all_reduce": fwd.counts.get("all_reduce", 0),
            "bwd": bwd.total(), "bwd_all_reduce": bwd.counts.get("all_reduce", 0)}


def _run(ranks, rng, name, dtype):
    world_size = 3
    xs = [torch.from_numpy(rng.standard_normal((2, 3, 4))).to(dtype) for _ in range(world_size)]
    grads = [torch.from_numpy(rng.standard_normal((2, 3, 4))).to(dtype) for _ in range(world_size)]
    results = ranks(world_size, _region_task, name, xs, grads)
    for r, res in enumerate(results):
        assert np.array_equal(res["x_after"], xs[r].numpy()), f"rank {r}: the forward input was modified"
        assert np.array_equal(res["grad_after"], res["grad_seen"]), f"rank {r}: the incoming gradient was modified"
        assert str(res["dtype"]) == str(dtype), f"rank {r}: dtype changed"
    return xs, grads, results


@pytest.mark.weight(2)
def test_copy_to_parallel_region(ranks, rng, check):
    xs, grads, results = _run(ranks, rng, "copy_to_parallel_region", torch.float64)
    total = sum(g.numpy() for g in grads)
    for r, res in enumerate(results):
        assert np.array_equal(res["y"], xs[r].numpy()), f"rank {r}: forward must return x unchanged"
        assert close(res["x_grad"], total), f"rank {r}: backward must sum the gradients over ranks"
        assert (int(res["fwd"]), int(res["bwd"]), int(res["bwd_all_reduce"])) == (0, 1, 1), \
            f"rank {r}: f communicates only in backward, with one all-reduce"
    check("y", results[1]["y"], rtol=0, atol=0)
    check("x_grad", [res["x_grad"] for res in results], rtol=1e-7, atol=1e-9)
    check("counts", [int(results[0][k]) for k in ("fwd", "bwd", "bwd_all_reduce")], exact=True)


@pytest.mark.weight(2)
def test_reduce_from_parallel_region(ranks, rng, check):
    xs, grads, results = _run(ranks, rng, "reduce_from_parallel_region", torch.float32)
    total = sum(x.double().numpy() for x in xs)
    for r, res in enumerate(results):
        assert close(res["y"], total, rtol=1e-5, atol=1e-6), f"rank {r}: forward must sum x over ranks"
        assert np.array_equal(res["x_grad"], grads[r].numpy()), f"rank {r}: backward must pass the gradient through"
        assert (int(res["fwd"]), int(res["fwd_all_reduce"]), int(res["bwd"])) == (1, 1, 0), \
            f"rank {r}: g communicates only in forward, with one all-reduce"
    check("y", [res["y"] for res in results], rtol=1e-5, atol=1e-6)
    check("x_grad", results[2]["x_grad"], rtol=0, atol=0)
    check("counts", [int(results[0][k]) for k in ("fwd", "fwd_all_reduce", "bwd")], exact=True)
