"""Hidden tests: broadcast_parameters and average_gradients on 2 and 3 ranks."""
import numpy as np
import pytest
import torch

from ddp_util import make_mlp, random_state, tensor


def _broadcast_task(sol, rank, world_size, states, src):
    model = make_mlp(batchnorm=True)
    model.load_state_dict(states[rank])
    out = sol.broadcast_parameters(model, src=src)
    result = {f"state/{k}": v for k, v in model.state_dict().items()}
    result["returned_none"] = np.asarray(out is None)
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
    results = ranks(world_size, _broadcast_task, states, src)
    for r, res in enumerate(results):
        for key, value in states[src].items():
            assert np.array_equal(res[f"state/{key}"], value.numpy()), \
                f"rank {r}: {key} differs from rank {src}'s"
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
    sol.average_gradients(model)
    result = {f"before/{n}": g for n, g in before.items()}
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
    for name in names:
        mean = np.mean([res[f"before/{name}"] for res in results], axis=0)
        for r, res in enumerate(results):
            assert np.allclose(res[f"after/{name}"], mean, rtol=1e-5, atol=1e-7), \
                f"rank {r}: {name}.grad is not the mean over ranks"
            assert np.array_equal(res[f"after/{name}"], results[0][f"after/{name}"]), \
                f"rank {r}: {name}.grad differs from rank 0's"
        check(f"grad/{name}", results[1][f"after/{name}"], rtol=1e-5, atol=1e-7)
    assert all(bool(res["unused_grad_is_none"]) for res in results), "a None gradient was replaced"
    check("unused_grad_is_none", bool(results[0]["unused_grad_is_none"]), exact=True)
