"""ColumnParallelLinear: shards of the output features, outputs and gradients against the
unsharded layer, gather_output, bias=False, ranks with no features, collectives."""
import numpy as np
import pytest
import torch

from tp_cases import cat, close, linear_ref, split, t
from tp_ranks import CountCollectives


def _column_task(sol, rank, world_size, w, b, x, grad, gather):
    layer = sol.ColumnParallelLinear(w.shape[1], w.shape[0], bias=b is not None, gather_output=gather,
                                     full_weight=w, full_bias=b)
    x = x.clone().requires_grad_(True)
    with CountCollectives() as fwd:
        y = layer(x)
    with CountCollectives() as bwd:
        (y * grad[rank]).sum().backward()
    out = {"y": y, "x_grad": x.grad, "w": layer.weight, "w_grad": layer.weight.grad,
           "names": np.asarray([n for n, _ in layer.named_parameters()] or [""]),
           "bias_is_none": layer.bias is None, "fwd": fwd.total(), "bwd": bwd.total(),
           "bwd_all_reduce": bwd.counts.get("all_reduce", 0)}
    if layer.bias is not None:
        out["b_grad"] = layer.bias.grad
    return out


def _run(ranks, rng, check, world_size, n_in, n_out, gather, bias=True):
    w, b = t(rng, n_out, n_in), (t(rng, n_out) if bias else None)
    x, grad = t(rng, 2, 3, n_in), t(rng, 2, 3, n_out)
    parts = split(n_out, world_size)
    grads = [grad if gather else grad[..., a:z] for a, z in parts]
    results = ranks(world_size, _column_task, w, b, x, grads, gather)
    y, x_grad, w_grad, b_grad = linear_ref(x, w, b, grad)
    shapes = [list(res["w"].shape) for res in results]
    assert shapes == [[z - a, n_in] for a, z in parts], f"weight shards {shapes} do not follow the split rule"
    for r, res in enumerate(results):
        a, z = parts[r]
        assert close(res["y"], y if gather else y[..., a:z]), f"rank {r}: output"
        assert close(res["x_grad"], x_grad), f"rank {r}: input gradient"
        names = [str(n) for n in res["names"] if str(n)]
        assert names == (["weight", "bias"] if bias else ["weight"]), f"rank {r}: parameters {names}"
        assert bool(res["bias_is_none"]) == (not bias)
        assert int(res["bwd"]) == int(res["bwd_all_reduce"]) == 1, f"rank {r}: backward runs one all-reduce"
        assert int(res["fwd"]) == (1 if gather else 0), f"rank {r}: forward collectives"
    assert close(cat(results, "w", 0), w) and close(cat(results, "w_grad", 0), w_grad), "weight / its gradient"
    check("shapes", shapes, exact=True)
    check("y", [res["y"] for res in results], rtol=1e-7, atol=1e-9)
    check("x_grad", [res["x_grad"] for res in results], rtol=1e-7, atol=1e-9)
    check("w_grad", cat(results, "w_grad", 0), rtol=1e-7, atol=1e-9)
    check("counts", [[int(res["fwd"]), int(res["bwd"])] for res in results], exact=True)
    if bias:
        assert close(cat(results, "b_grad", 0), b_grad), "bias gradient"
        check("b_grad", cat(results, "b_grad", 0), rtol=1e-7, atol=1e-9)
    return results


@pytest.mark.weight(3)
@pytest.mark.parametrize("world_size,n_in,n_out", [(2, 5, 7), (3, 4, 8)])
def test_column_forward_backward(ranks, rng, check, world_size, n_in, n_out):
    _run(ranks, rng, check, world_size, n_in, n_out, gather=False)


@pytest.mark.weight(3)
@pytest.mark.parametrize("world_size,n_in,n_out", [(2, 4, 5), (3, 5, 7)])
def test_column_gather_output(ranks, rng, check, world_size, n_in, n_out):
    _run(ranks, rng, check, world_size, n_in, n_out, gather=True)


@pytest.mark.weight(2)
@pytest.mark.parametrize("gather", [False, True])
def test_column_no_bias_rank_without_features(ranks, rng, check, gather):
    _run(ranks, rng, check, 3, 4, 2, gather=gather, bias=False)
