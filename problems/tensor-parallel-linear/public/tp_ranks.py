"""Run tasks on a gloo process group of forked ranks, and count the collectives they call.

A ``RankPool`` forks ``world_size`` ranks once; each joins a gloo process group (file
store, loopback only) and then runs the tasks it is sent, one after another, so a
test costs a message, not a process start. Tasks are module-level functions
``task(solution, rank, world_size, *args) -> dict`` (their arguments are pickled to
the ranks; their results come back as ``.npz`` bytes, loaded without pickle).
After a failure, a hang or an interrupt (the per-test timeout) the pool is killed and
the next ``run`` starts a fresh one, so one bad test never poisons the next.
"""
from __future__ import annotations

import datetime
import io
import os
import pickle
import time
import traceback

import numpy as np
import pytest
import torch

PG_TIMEOUT = 60.0   # seconds, every collective of every rank
WAIT = 65.0         # seconds a run waits for all ranks (longer than the per-test limit)

# Methods of the process-group class every torch.distributed collective ends in.
COLLECTIVES = {
    "allreduce": "all_reduce", "allreduce_coalesced": "all_reduce", "reduce": "reduce",
    "broadcast": "broadcast", "allgather": "all_gather", "_allgather_base": "all_gather",
    "allgather_coalesced": "all_gather", "allgather_into_tensor_coalesced": "all_gather",
    "reduce_scatter": "reduce_scatter", "_reduce_scatter_base": "reduce_scatter",
    "reduce_scatter_tensor_coalesced": "reduce_scatter", "alltoall": "all_to_all",
    "alltoall_base": "all_to_all", "gather": "gather", "scatter": "scatter", "barrier": "barrier",
    "monitored_barrier": "barrier", "send": "send", "recv": "recv", "recv_anysource": "recv",
}


class CountCollectives:
    """``with CountCollectives() as c: ...`` counts, by kind, the collectives this rank calls
    on any process group (``c.counts``, e.g. ``{"all_reduce": 1}``), whatever function
    of ``torch.distributed`` reached them."""

    def __init__(self):
        import torch.distributed.distributed_c10d as c10d

        self.cls = type(c10d._get_default_group())
        self.counts: dict[str, int] = {}
        self.saved = []

    def _wrap(self, name, raw):
        kind = COLLECTIVES[name]

        def wrapped(pg, *args, **kwargs):
            self.counts[kind] = self.counts.get(kind, 0) + 1
            return raw.__get__(pg, type(pg))(*args, **kwargs)

        return wrapped

    def __enter__(self):
        for name in COLLECTIVES:
            for klass in self.cls.__mro__:
                if name in vars(klass):
                    raw = vars(klass)[name]
                    self.saved.append((klass, name, raw))
                    setattr(klass, name, self._wrap(name, raw))
                    break
        return self

    def __exit__(self, *exc):
        for klass, name, raw in reversed(self.saved):
            setattr(klass, name, raw)
        self.saved = []
        return False

    def total(self):
        return sum(self.counts.values())


def _rank_main(solution, rank, world_size, store, conn):
    code = 1
    try:
        os.environ["GLOO_SOCKET_IFNAME"] = "lo"
        torch.set_num_threads(1)
        import torch.distributed as dist

        dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world_size,
                                timeout=datetime.timedelta(seconds=PG_TIMEOUT))
        while True:
            try:
                message = conn.recv_bytes()
            except EOFError:
                break
            if not message:
                break
            task, args = _unpack(pickle.loads(message))
            try:
                result = task(solution, rank, world_size, *args)
                buf = io.BytesIO()
                np.savez(buf, **{k: _to_numpy(v) for k, v in result.items()})
                conn.send_bytes(b"ok" + buf.getvalue())
            except BaseException as exc:  # report the submission's failure to the parent
                lines = traceback.format_exception_only(type(exc), exc)
                conn.send_bytes(b"er" + (lines[-1] if lines else repr(exc)).strip()[:400].encode())
        code = 0
    finally:
        os._exit(code)


class _Tensor:
    """A tensor on its way to a rank, as a numpy array (unpickling a torch tensor goes through
    torch.load's machinery: seconds of imports in every fresh rank)."""

    def __init__(self, value):
        self.array, self.requires_grad = value.detach().numpy(), value.requires_grad


def _pack(obj):
    if isinstance(obj, torch.Tensor):
        return _Tensor(obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_pack(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _pack(v) for k, v in obj.items()}
    return obj


def _unpack(obj):
    if isinstance(obj, _Tensor):
        return torch.from_numpy(obj.array).requires_grad_(obj.requires_grad)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unpack(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _unpack(v) for k, v in obj.items()}
    return obj


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class RankPool:
    def __init__(self, solution, world_size, folder):
        self.solution, self.world_size, self.folder = solution, world_size, folder
        self.procs, self.conns, self.starts = [], [], 0

    def _start(self):
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self.starts += 1
        store = os.path.join(self.folder, f"store{self.world_size}-{self.starts}-{time.monotonic_ns()}")
        for rank in range(self.world_size):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_rank_main, args=(self.solution, rank, self.world_size, store, child),
                            daemon=True)
            p.start()
            child.close()
            self.procs.append(p)
            self.conns.append(parent)

    def run(self, task, *args):
        """Run ``task`` on every rank; the list of per-rank result dicts (numpy arrays)."""
        if not self.procs:
            self._start()
        ok = False
        try:
            message = pickle.dumps((task, _pack(args)))
            for conn in self.conns:
                conn.send_bytes(message)
            results = [None] * self.world_size
            deadline = time.monotonic() + WAIT
            while any(r is None for r in results):
                for rank, conn in enumerate(self.conns):
                    if results[rank] is None and conn.poll(0.01):
                        try:
                            data = conn.recv_bytes()
                        except EOFError:
                            pytest.fail(f"rank {rank} died", pytrace=False)
                        if data[:2] != b"ok":
                            pytest.fail(f"rank {rank} raised: {data[2:].decode(errors='replace')}",
                                        pytrace=False)
                        with np.load(io.BytesIO(data[2:]), allow_pickle=False) as npz:
                            results[rank] = {k: npz[k] for k in npz.files}
                if time.monotonic() > deadline:
                    pytest.fail("the ranks did not finish (deadlock?)", pytrace=False)
            ok = True
            return results
        finally:
            if not ok:
                self.close(kill=True)

    def close(self, kill=False):
        for conn in self.conns:
            try:
                if not kill:
                    conn.send_bytes(b"")
                conn.close()
            except OSError:
                pass
        for p in self.procs:
            p.join(timeout=0 if kill else 5)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
        self.procs, self.conns = [], []
