"""Parameters: the default initialisation (nn.Linear's draw, sharded), dtype, copies of the
full weights (never modified, never shared)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tp_cases import cat, close, sgd_step, split, t


def _init_task(sol, rank, world_size, seed, x6, x5, x4):
    torch.manual_seed(seed)
    col = sol.ColumnParallelLinear(6, 5)
    row = sol.RowParallelLinear(5, 4, input_is_parallel=False)
    mlp = sol.TensorParallelMLP(4, 7)
    with torch.no_grad():
        out = {"col.y": col(x6), "row.y": row(x5), "mlp.y": mlp(x4)}
    out.update({f"col.{n}": p for n, p in col.named_parameters()})
    out.update({f"row.{n}": p for n, p in row.named_parameters()})
    out.update({f"mlp.{n}": p for n, p in mlp.named_parameters()})
    return out


@pytest.mark.weight(2)
def test_default_initialisation(ranks, rng, check):
    world_size, seed = 3, int(rng.integers(0, 2**31))
    xs = [t(rng, 2, n, dtype=torch.float32) for n in (6, 5, 4)]
    results = ranks(world_size, _init_task, seed, *xs)
    torch.manual_seed(seed)
    col, row = torch.nn.Linear(6, 5), torch.nn.Linear(5, 4)
    fc1, fc2 = torch.nn.Linear(4, 7), torch.nn.Linear(7, 4)
    full = {"col.weight": (col.weight, 0), "col.bias": (col.bias, 0), "row.weight": (row.weight, 1),
            "mlp.fc1.weight": (fc1.weight, 0), "mlp.fc1.bias": (fc1.bias, 0), "mlp.fc2.weight": (fc2.weight, 1)}
    for name, (value, dim) in full.items():
        got = cat(results, name, dim)
        assert got.dtype == np.float32 and np.array_equal(got, value.detach().numpy()), f"{name}: not nn.Linear's draw"
        check(name, got, rtol=0, atol=0)
    for name, value in (("row.bias", row.bias), ("mlp.fc2.bias", fc2.bias)):
        for r, res in enumerate(results):
            assert np.array_equal(res[name], value.detach().numpy()), f"rank {r}: {name}"
        check(name, results[0][name], rtol=0, atol=0)
    with torch.no_grad():
        expected = {"col.y": col(xs[0]), "row.y": row(xs[1]), "mlp.y": fc2(F.gelu(fc1(xs[2])))}
    parts = split(5, world_size)
    for r, res in enumerate(results):
        assert close(res["col.y"], expected["col.y"][:, parts[r][0]:parts[r][1]], rtol=1e-4, atol=1e-5)
        assert close(res["row.y"], expected["row.y"], rtol=1e-4, atol=1e-5), f"rank {r}: row output (float32)"
        assert close(res["mlp.y"], expected["mlp.y"], rtol=1e-4, atol=1e-5), f"rank {r}: mlp output (float32)"
    check("outputs", [[res[k] for k in ("col.y", "row.y", "mlp.y")] for res in results], rtol=1e-4, atol=1e-5)


def _copy_task(sol, rank, world_size, w, b):
    w_param = torch.nn.Parameter(w.clone())                      # as nn.Linear's own weight
    b_param = torch.nn.Parameter(b.clone())
    col = sol.ColumnParallelLinear(w.shape[1], w.shape[0], full_weight=w_param, full_bias=b_param)
    row = sol.RowParallelLinear(w.shape[1], w.shape[0], full_weight=w_param, full_bias=b_param)
    x = torch.ones(2, w.shape[1], dtype=w.dtype)
    row_x = x[:, sum(sol.shard_sizes(w.shape[1], world_size)[:rank]):][:, :row.weight.shape[1]]
    params = [col.weight, col.bias, row.weight, row.bias]
    kinds = [type(p) is torch.nn.Parameter and p.requires_grad and p.dtype == w.dtype and p.is_leaf
             for p in params]
    (col(x).sum() + row(row_x).sum()).backward()
    sgd_step(params, [None] * 4, 0.5, 0.0)
    with torch.no_grad():
        for p in params:
            p.mul_(3.0)
    return {"w_after": w_param.detach(), "b_after": b_param.detach(), "kinds": np.asarray(kinds),
            "w_grad_none": w_param.grad is None, "col.weight": col.weight}


@pytest.mark.weight(2)
def test_parameters_are_copies(ranks, rng, check):
    w, b = t(rng, 5, 7), t(rng, 5)
    results = ranks(2, _copy_task, w, b)
    for r, res in enumerate(results):
        assert bool(np.all(res["kinds"])), f"rank {r}: parameters must be leaf nn.Parameters of full_weight's dtype"
        assert np.array_equal(res["w_after"], w.numpy()), f"rank {r}: full_weight was modified"
        assert np.array_equal(res["b_after"], b.numpy()), f"rank {r}: full_bias was modified"
        assert bool(res["w_grad_none"]), f"rank {r}: a gradient reached full_weight"
    check("full_after", [results[1]["w_after"], results[1]["b_after"]], rtol=0, atol=0)
    check("col.weight", cat(results, "col.weight", 0), rtol=1e-7, atol=1e-9)
