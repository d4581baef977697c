"""RowParallelLinear: shards of the input features, one all-reduce then the bias once,
parallel and full inputs, gradients against the unsharded layer, collectives."""
import numpy as np
import pytest

from tp_cases import cat, close, linear_ref, split, t
from tp_ranks import CountCollectives


def _row_task(sol, rank, world_size, w, b, xs, grad, parallel):
    layer = sol.RowParallelLinear(w.shape[1], w.shape[0], bias=b is not None, input_is_parallel=parallel,
                                  full_weight=w, full_bias=b)
    x = xs[rank].clone().requires_grad_(True)
    with CountCollectives() as fwd:
        y = layer(x)
    with CountCollectives() as bwd:
        (y * grad).sum().backward()
    out = {"y": y, "x_grad": x.grad, "w": layer.weight, "w_grad": layer.weight.grad,
           "names": np.asarray([n for n, _ in layer.named_parameters()] or [""]),
           "bias_is_none": layer.bias is None, "fwd": fwd.total(), "fwd_all_reduce": fwd.counts.get("all_reduce", 0),
           "bwd": bwd.total()}
    if layer.bias is not None:
        out["b"], out["b_grad"] = layer.bias, layer.bias.grad
    return out


def _run(ranks, rng, check, world_size, n_in, n_out, parallel, bias=True):
    w, b = t(rng, n_out, n_in), (t(rng, n_out, scale=3.0) if bias else None)
    x, grad = t(rng, 2, 3, n_in), t(rng, 2, 3, n_out)
    parts = split(n_in, world_size)
    xs = [x[..., a:z] if parallel else x for a, z in parts]
    results = ranks(world_size, _row_task, w, b, xs, grad, parallel)
    y, x_grad, w_grad, b_grad = linear_ref(x, w, b, grad)
    shapes = [list(res["w"].shape) for res in results]
    assert shapes == [[n_out, z - a] for a, z in parts], f"weight shards {shapes} do not follow the split rule"
    for r, res in enumerate(results):
        a, z = parts[r]
        assert close(res["y"], y), f"rank {r}: output"
        assert close(res["x_grad"], x_grad[..., a:z] if parallel else x_grad), f"rank {r}: input gradient"
        names = [str(n) for n in res["names"] if str(n)]
        assert names == (["weight", "bias"] if bias else ["weight"]), f"rank {r}: parameters {names}"
        assert bool(res["bias_is_none"]) == (not bias)
        if bias:
            assert close(res["b"], b) and close(res["b_grad"], b_grad), f"rank {r}: the full bias and its gradient"
        assert int(res["fwd"]) == int(res["fwd_all_reduce"]) == 1, f"rank {r}: forward runs one all-reduce"
        assert int(res["bwd"]) == (0 if parallel else 1), f"rank {r}: backward collectives"
    assert close(cat(results, "w", 1), w) and close(cat(results, "w_grad", -1), w_grad), "weight / its gradient"
    check("shapes", shapes, exact=True)
    check("y", [res["y"] for res in results], rtol=1e-7, atol=1e-9)
    check("x_grad", [res["x_grad"] for res in results], rtol=1e-7, atol=1e-9)
    check("w_grad", cat(results, "w_grad", -1), rtol=1e-7, atol=1e-9)
    check("counts", [[int(res["fwd"]), int(res["bwd"])] for res in results], exact=True)
    if bias:
        check("b_grad", [res["b_grad"] for res in results], rtol=1e-7, atol=1e-9)


@pytest.mark.weight(3)
@pytest.mark.parametrize("world_size,n_in,n_out", [(2, 7, 5), (3, 8, 4)])
def test_row_parallel_input(ranks, rng, check, world_size, n_in, n_out):
    _run(ranks, rng, check, world_size, n_in, n_out, parallel=True)


@pytest.mark.weight(3)
@pytest.mark.parametrize("world_size,n_in,n_out", [(2, 5, 4), (3, 7, 5)])
def test_row_full_input(ranks, rng, check, world_size, n_in, n_out):
    _run(ranks, rng, check, world_size, n_in, n_out, parallel=False)


@pytest.mark.weight(2)
@pytest.mark.parametrize("parallel", [True, False])
def test_row_no_bias_rank_without_features(ranks, rng, check, parallel):
    _run(ranks, rng, check, 3, 2, 3, parallel=parallel, bias=False)
