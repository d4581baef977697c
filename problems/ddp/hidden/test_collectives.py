"""Hidden tests: broadcast_parameters and average_gradients on 2 and 3 ranks."""
import numpy as np
import pytest
import torch

from ddp_util import make_mlp, random_state, tensor


def _broadcast_task(sol, rank, world_size, states, scratch, src):
    model = make_mlp(batchnorm=True)
    model.load_state_dict(states[rank])
    # a non-persistent buffer: in module.buffers(), not in state_dict()
    model.register_buffer("scratch", scratch[rank].clone(), persistent=False)
    before = list(model.parameters()) + list(model.buffers())
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    out = sol.broadcast_parameters(model, src=src)
    after = list(model.parameters()) + list(model.buffers())
    # the same tensor objects (their storage may be swapped, as vector_to_parameters does)
    same = len(before) == len(after) and all(a is b for a, b in zip(before, after))
    result = {f"state/{k}": v.clone() for k, v in model.state_dict().items()}
    result["state/scratch"] = model.scratch.clone()
    result["returned_none"] = np.asarray(out is None)
    result["same_tensors"] = np.asarray(same)
    # an optimizer built before the broadcast still updates the module's weights
    # (eval mode: a BatchNorm in train mode may pass back no gradient on a tiny batch)
    model.eval()
    w0 = model[-1].weight.detach().clone()
    model(torch.linspace(-1.0, 1.0, 12).reshape(2, 6)).sum().backward()
    opt.step()
    result["optimizer_still_works"] = np.asarray(not torch.equal(model[-1].weight, w0))
    return result


@pytest.mark.weight(2)
@pytest.mark.parametrize("world_size,src", [(2, 0), (3, 2)])
def test_broadcast_parameters(ranks, rng, check, world_size, src):
    template = make_mlp(batchnorm=True)
    states = []
    for r in range(world_size):  # every rank starts from different values
        state = random_state(template, rng)
        state["1.num_batches_tracked"] = torch.tensor(int(rng.integers(0, 100)))
        states.append(state)
    scratch = [torch.from_numpy(rng.standard_normal(4)).float() for _ in range(world_size)]
    results = ranks(world_size, _broadcast_task, states, scratch, src)
    for r, res in enumerate(results):
        for key, value in list(states[src].items()) + [("scratch", scratch[src])]:
            assert np.array_equal(res[f"state/{key}"], value.numpy()), \
                f"rank {r}: {key} differs from rank {src}'s"
        assert bool(res["returned_none"]), "broadcast_parameters returns None"
        assert bool(res["same_tensors"]), \
            f"rank {r}: parameters or buffers were replaced instead of overwritten in place"
        assert bool(res["optimizer_still_works"]), f"rank {r}: the optimizer lost its parameters"
    other = (src + 1) % world_size
    check("state", {k[len("state/"):]: v for k, v in results[other].items() if k.startswith("state/")},
          exact=True)


def _average_task(sol, rank, world_size, state, xs, ys):
    model = make_mlp()
    model.load_state_dict(state)
    model.register_parameter("unused", torch.nn.Parameter(torch.ones(2)))  # never gets a grad
    loss = torch.nn.functional.cross_entropy(model(xs[rank]), ys[rank])
    loss.backward()
    before = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    grads = {n: (p.grad, p.grad.data_ptr()) for n, p in model.named_parameters() if p.grad is not None}
    sol.average_gradients(model)
    result = {f"before/{n}": g for n, g in before.items()}
    result["in_place"] = np.asarray(all(p.grad is grads[n][0] and p.grad.data_ptr() == grads[n][1]
                                        for n, p in model.named_parameters() if n in grads))
    result.update({f"after/{n}": p.grad for n, p in model.named_parameters() if p.grad is not None})
    result["unused_grad_is_none"] = np.asarray(model.unused.grad is None)
    return result


@pytest.mark.weight(2)
def test_average_gradients(ranks, rng, check):
    world_size = 3
    state = random_state(make_mlp(), rng)
    sizes = [5, 7, 4]  # ranks hold different amounts of data
    xs = [tensor(rng.standard_normal((m, 6))) for m in sizes]
    ys = [torch.from_numpy(rng.integers(0, 3, size=m)) for m in sizes]
    results = ranks(world_size, _average_task, state, xs, ys)
    names = [k[len("before/"):] for k in results[0] if k.startswith("before/")]
    eps = float(np.finfo(np.float32).eps)
    for name in names:
        terms = np.stack([res[f"before/{name}"].astype(np.float64) for res in results])
        mean = terms.mean(axis=0)
        # any summation order (and sum-then-divide or divide-then-sum, or ReduceOp.AVG) is
        # correct: float32 rounding moves the result by a few eps of the summed magnitudes
        bound = 2 * world_size * eps * np.abs(terms).sum(axis=0) / world_size + 2 * eps * np.abs(mean)
        for r, res in enumerate(results):
            assert np.all(np.abs(res[f"after/{name}"] - mean) <= bound), \
                f"rank {r}: {name}.grad is not the mean over ranks"
            assert np.array_equal(res[f"after/{name}"], results[0][f"after/{name}"]), \
                f"rank {r}: {name}.grad differs from rank 0's"
        check(f"grad/{name}", results[1][f"after/{name}"], rtol=1e-5, atol=2 * float(bound.max()))
    assert all(bool(res["in_place"]) for res in results), "a .grad was replaced instead of updated in place"
    assert all(bool(res["unused_grad_is_none"]) for res in results), "a None gradient was replaced"
    check("unused_grad_is_none", bool(results[0]["unused_grad_is_none"]), exact=True)
