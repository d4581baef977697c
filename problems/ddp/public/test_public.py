"""Public examples for the ddp problem. Run: pytest public/ (with solution.py importable).

Each multi-rank example forks 2 processes that join a gloo process group over a
file store in a temporary folder (loopback only) and call your functions.
"""
import datetime
import os
import sys
import time
import traceback

import numpy as np
import pytest
import torch


def _worker(rank, world_size, folder, name, outdir, task):
    code = 1
    try:
        os.environ["GLOO_SOCKET_IFNAME"] = "lo"
        torch.set_num_threads(1)
        sys.path.insert(0, folder)
        import importlib
        import torch.distributed as dist

        sol = importlib.import_module(name)
        dist.init_process_group("gloo", init_method=f"file://{outdir}/store", rank=rank,
                                world_size=world_size, timeout=datetime.timedelta(seconds=30))
        result = task(sol, rank, world_size)
        np.savez(f"{outdir}/tmp{rank}.npz", **{k: np.asarray(v) for k, v in result.items()})
        os.replace(f"{outdir}/tmp{rank}.npz", f"{outdir}/rank{rank}.npz")
        while not os.path.exists(f"{outdir}/release"):
            time.sleep(0.01)
        code = 0
    except BaseException as exc:
        with open(f"{outdir}/rank{rank}.err", "w") as fh:
            fh.write("".join(traceback.format_exception_only(type(exc), exc)))
    finally:
        os._exit(code)


def run_ranks(solution, tmp_path, world_size, task, wait=40.0):
    import multiprocessing as mp

    folder = os.path.dirname(os.path.abspath(solution.__file__))
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_worker, args=(r, world_size, folder, solution.__name__, str(tmp_path), task))
             for r in range(world_size)]
    try:
        for p in procs:
            p.start()
        deadline = time.monotonic() + wait
        while not all((tmp_path / f"rank{r}.npz").exists() for r in range(world_size)):
            for r in range(world_size):
                if (tmp_path / f"rank{r}.err").exists():
                    time.sleep(0.05)
                    pytest.fail(f"rank {r}: " + (tmp_path / f"rank{r}.err").read_text())
            assert time.monotonic() < deadline, "the ranks did not finish (deadlock?)"
            time.sleep(0.01)
        return [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(world_size)]
    finally:
        (tmp_path / "release").touch()
        for p in procs:
            p.join(timeout=2)
            if p.is_alive():
                p.kill()


def test_shard_indices_example(solution):
    assert list(solution.shard_indices(10, 1, 3)) == [1, 4, 7]
    assert list(solution.shard_indices(10, 0, 3)) == [0, 3, 6, 9]
    assert list(solution.shard_indices(2, 2, 3)) == []
    order = torch.randperm(10, generator=torch.Generator().manual_seed(5 + 1)).tolist()
    assert list(solution.shard_indices(10, 1, 2, shuffle=True, seed=5, epoch=1)) == order[1::2]


def _ring_task(sol, rank, world_size):
    t = torch.arange(7, dtype=torch.float32) * (rank + 1)
    out = sol.ring_all_reduce(t)
    return {"out": out.numpy(), "same": out is t}


def test_ring_all_reduce_two_ranks(solution, tmp_path):
    results = run_ranks(solution, tmp_path, 2, _ring_task)
    for res in results:
        assert np.array_equal(res["out"], np.arange(7) * 3.0)
        assert bool(res["same"])


def _train_task(sol, rank, world_size):
    torch.manual_seed(100 + rank)                       # different weights on each rank
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    X = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    Y = (X[:, 0] > 0).long()
    losses = sol.train(model, opt, torch.nn.CrossEntropyLoss(), X, Y, epochs=3, batch_size=2, seed=7)
    return {"losses": np.asarray(losses), "weight": model.weight.detach().numpy()}


def test_train_two_ranks_equals_full_batch_training(solution, tmp_path):
    results = run_ranks(solution, tmp_path, 2, _train_task)
    assert np.array_equal(results[0]["weight"], results[1]["weight"])   # identical on every rank
    # the same training in one process, global batch 2 * 2 = 4
    torch.manual_seed(100)                              # rank 0's weights
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    X = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    Y = (X[:, 0] > 0).long()
    for epoch in range(3):
        perm = torch.randperm(16, generator=torch.Generator().manual_seed(7 + epoch))
        for s in range(4):
            idx = perm[4 * s:4 * (s + 1)]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X[idx]), Y[idx]).backward()
            opt.step()
    assert np.allclose(results[0]["weight"], model.weight.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert len(results[0]["losses"]) == 3 and results[0]["losses"][-1] < results[0]["losses"][0]
