"""TensorParallelMLP: column -> exact GELU -> row against the unsharded MLP; parameters,
gradients, the one all-reduce each way, a few optimizer steps."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tp_cases import cat, close, sgd_step, split, t
from tp_ranks import CountCollectives


def _mlp_ref(x, w1, b1, w2, b2, grad):
    x, w1, w2 = (v.clone().requires_grad_(True) for v in (x, w1, w2))
    b1, b2 = (None if v is None else v.clone().requires_grad_(True) for v in (b1, b2))
    y = F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2)
    (y * grad).sum().backward()
    return y.detach(), x.grad, w1.grad, (None if b1 is None else b1.grad), w2.grad, (None if b2 is None else b2.grad)


def _mlp_task(sol, rank, world_size, w1, b1, w2, b2, x, grad):
    mlp = sol.TensorParallelMLP(w1.shape[1], w1.shape[0], bias=b1 is not None, fc1_weight=w1, fc1_bias=b1,
                                fc2_weight=w2, fc2_bias=b2)
    x = x.clone().requires_grad_(True)
    with CountCollectives() as fwd:
        y = mlp(x)
    with CountCollectives() as bwd:
        (y * grad).sum().backward()
    out = {"y": y, "x_grad": x.grad, "names": np.asarray([n for n, _ in mlp.named_parameters()]),
           "fwd": fwd.total(), "fwd_all_reduce": fwd.counts.get("all_reduce", 0),
           "bwd": bwd.total(), "bwd_all_reduce": bwd.counts.get("all_reduce", 0)}
    out.update({n: p.grad for n, p in mlp.named_parameters()})
    return out


def _run(ranks, rng, check, world_size, d_model, d_hidden, bias):
    w1, w2 = t(rng, d_hidden, d_model), t(rng, d_model, d_hidden, scale=0.7)
    b1, b2 = (t(rng, d_hidden), t(rng, d_model, scale=2.0)) if bias else (None, None)
    x, grad = t(rng, 2, 3, d_model), t(rng, 2, 3, d_model)
    results = ranks(world_size, _mlp_task, w1, b1, w2, b2, x, grad)
    y, x_grad, w1_grad, b1_grad, w2_grad, b2_grad = _mlp_ref(x, w1, b1, w2, b2, grad)
    names = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"] if bias else ["fc1.weight", "fc2.weight"]
    parts = split(d_hidden, world_size)
    for r, res in enumerate(results):
        assert [str(n) for n in res["names"]] == names, f"rank {r}: parameters"
        assert list(res["fc1.weight"].shape) == [parts[r][1] - parts[r][0], d_model], f"rank {r}: fc1 shard"
        assert close(res["y"], y), f"rank {r}: output"
        assert close(res["x_grad"], x_grad), f"rank {r}: input gradient"
        counts = [int(res[k]) for k in ("fwd", "fwd_all_reduce", "bwd", "bwd_all_reduce")]
        assert counts == [1, 1, 1, 1], f"rank {r}: one all-reduce forward, one backward, nothing else"
        if bias:
            assert close(res["fc2.bias"], b2_grad), f"rank {r}: fc2.bias gradient"
    assert close(cat(results, "fc1.weight", 0), w1_grad), "fc1.weight gradient"
    assert close(cat(results, "fc2.weight", 1), w2_grad), "fc2.weight gradient"
    check("y", [res["y"] for res in results], rtol=1e-7, atol=1e-9)
    check("x_grad", [res["x_grad"] for res in results], rtol=1e-7, atol=1e-9)
    check("fc1.weight", cat(results, "fc1.weight", 0), rtol=1e-7, atol=1e-9)
    check("fc2.weight", cat(results, "fc2.weight", 1), rtol=1e-7, atol=1e-9)
    check("counts", [[int(res[k]) for k in ("fwd", "fwd_all_reduce", "bwd", "bwd_all_reduce")] for res in results],
          exact=True)
    if bias:
        assert close(cat(results, "fc1.bias", 0), b1_grad), "fc1.bias gradient"
        check("fc1.bias", cat(results, "fc1.bias", 0), rtol=1e-7, atol=1e-9)
        check("fc2.bias", [res["fc2.bias"] for res in results], rtol=1e-7, atol=1e-9)


@pytest.mark.weight(3)
@pytest.mark.parametrize("world_size,d_model,d_hidden", [(2, 4, 7), (3, 5, 8)])
def test_mlp_forward_backward(ranks, rng, check, world_size, d_model, d_hidden):
    _run(ranks, rng, check, world_size, d_model, d_hidden, bias=True)


@pytest.mark.weight(1)
def test_mlp_no_bias(ranks, rng, check):
    _run(ranks, rng, check, 2, 3, 5, bias=False)


def _train_task(sol, rank, world_size, w1, b1, w2, b2, xs, targets, lr):
    mlp = sol.TensorParallelMLP(w1.shape[1], w1.shape[0], fc1_weight=w1, fc1_bias=b1, fc2_weight=w2, fc2_bias=b2)
    params, bufs, losses = list(mlp.parameters()), [None] * 4, []
    for x, target in zip(xs, targets):
        mlp.zero_grad()
        loss = F.mse_loss(mlp(x), target)
        loss.backward()
        sgd_step(params, bufs, lr, 0.9)
        losses.append(loss.item())
    out = {n: p for n, p in mlp.named_parameters()}
    out["losses"] = np.asarray(losses)
    return out


@pytest.mark.weight(2)
def test_mlp_training_steps(ranks, rng, check):
    world_size, d_model, d_hidden, lr = 3, 4, 10, 0.2
    w1, b1, w2, b2 = t(rng, d_hidden, d_model), t(rng, d_hidden), t(rng, d_model, d_hidden), t(rng, d_model)
    xs = [t(rng, 6, d_model) for _ in range(3)]
    targets = [t(rng, 6, d_model) for _ in range(3)]
    results = ranks(world_size, _train_task, w1, b1, w2, b2, xs, targets, lr)
    params = [torch.nn.Parameter(v.clone()) for v in (w1, b1, w2, b2)]
    bufs, losses = [None] * 4, []
    for x, target in zip(xs, targets):
        for p in params:
            p.grad = None
        loss = F.mse_loss(F.linear(F.gelu(F.linear(x, params[0], params[1])), params[2], params[3]), target)
        loss.backward()
        sgd_step(params, bufs, lr, 0.9)
        losses.append(loss.item())
    for r, res in enumerate(results):
        assert close(res["losses"], losses), f"rank {r}: losses"
        assert close(res["fc2.bias"], params[3].detach()), f"rank {r}: fc2.bias after training"
    trained = {"fc1.weight": cat(results, "fc1.weight", 0), "fc1.bias": cat(results, "fc1.bias", 0),
               "fc2.weight": cat(results, "fc2.weight", 1)}
    for (name, value), p in zip(trained.items(), (params[0], params[1], params[2])):
        assert close(value, p.detach()), f"{name} after training"
    check("losses", [res["losses"] for res in results], rtol=1e-7, atol=1e-9)
    check("trained", trained, rtol=1e-7, atol=1e-9)
