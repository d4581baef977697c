"""The pool of one judge process: hand-over, background refill, clean-up at exit."""
from __future__ import annotations

import atexit
import contextlib
import copy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..base import RunResult
from .slots import (
    MEMORY_RESERVE,
    NORMAL_SHARES,
    READY_TIMEOUT,
    Slot,
    _claim,
    _copy_ro,
    _move_outputs,
    claim,
    count,
    create,
    discard,
    evict_oldest,
    learn,
    mem_available,
    reap,
    spec_of,
    wait_ready,
)


class WarmPool:
    def __init__(self, backend, linger: bool = False):
        self.backend = backend
        self.linger = linger
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.specs: dict[str, dict] = {}
        self.used: dict[str, float] = {}  # key -> when a job of it last came (monotonic)
        self.mine: set[Path] = set()
        self.trash: list[tuple[Path, str]] = []
        self.running = 0
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.stats = {"warm": 0, "cold": 0, "created": 0}
        self.closed = False
        atexit.register(self.close)

    # ---- running a job
    def run(self, prep) -> RunResult | None:
        """Run a prepared job in a warm container; None when none is ready (the caller runs it cold).
        The caller counts the job as running (``job_running``) around this and the cold run."""
        spec = spec_of(prep)
        if spec is None:
            return None
        from ..docker import EngineUnavailable, engine_client

        try:
            client = engine_client(timeout=30)
        except EngineUnavailable:
            return None
        with self.lock:
            self.specs.setdefault(spec["key"], spec)
            self.used[spec["key"]] = time.monotonic()
        try:
            slot = claim(client, spec["key"])
        except Exception:
            slot = None
        if slot is None:
            self.stats["cold"] += 1
            client.close()
            self._start()
            self.wake.set()
            return None
        self.stats["warm"] += 1
        try:
            return self._hand_over(client, slot, prep, spec)
        finally:
            client.close()

    def learn(self, prep) -> None:
        spec = spec_of(prep)
        if spec is not None:
            learn(spec, prep.out_dir)

    @contextlib.contextmanager
    def job_running(self):
        """Counts a running job (warm or cold): no warming up while the CPUs are taken."""
        self._count(+1)
        try:
            yield
        finally:
            self._count(-1)

    def _count(self, n: int) -> None:
        with self.lock:
            self.running += n
        if n < 0:
            self.wake.set()

    def _hand_over(self, client, slot: Slot, prep, spec) -> RunResult:
        import docker

        from ..docker import _failer, _OutputReader, _short, docker_client, sanitize_out_dir

        failed = _failer(self.backend, prep.out_dir, prep.t_start)
        details = {"image": self.backend.image, "container": slot.path.name, "container_id": slot.cid,
                   "user": prep.user, "runtime": prep.job.runtime, "warm": True}
        reader = _OutputReader(int(prep.job.limits.output_bytes))
        stream_client = wait_client = None
        finished = False
        try:
            for role, host in prep.roles.items():
                _copy_ro(host, slot.path / "sandbox" / role)
            args = prep.create_kwargs["command"][3:]
            tmp = slot.path / "sandbox" / ".job.json"
            tmp.write_text(json.dumps(args))
            os.chmod(tmp, 0o444)
            (slot.out / ".ready").unlink(missing_ok=True)
            container = client.containers.prepare_model({"Id": slot.cid})
            try:
                client.api.update_container(slot.cid, cpu_shares=NORMAL_SHARES)
            except docker.errors.APIError as exc:  # it runs, at a lower weight only when CPUs are contended
                details["cpu_shares_error"] = _short(exc)
            stream_client = docker_client(None, client.api.api_version).api
            wait_client = docker_client(None, client.api.api_version).api
            try:
                sock = stream_client.attach(slot.cid, stdout=True, stderr=True, stream=True, logs=True, demux=True)
                reader.start(sock)
            except Exception as exc:
                details["attach_error"] = _short(exc)
            os.rename(tmp, slot.path / "sandbox" / "job.json")  # the go signal
            result = self.backend._supervise(client, container, reader, prep, slot.out, details,
                                             wait_api=wait_client)
            finished = True  # exited, or killed and waited for
            return result
        except docker.errors.DockerException as exc:
            return failed(f"the Docker engine failed during the run: {_short(exc)}", **details)
        except OSError as exc:
            return failed(f"lost the Docker engine during the run: {_short(exc)}", **details)
        finally:
            if not finished:
                discard(client, slot.path, slot.cid)  # the container may still run: remove it first
            removed = sanitize_out_dir(slot.out)
            if removed:
                details["removed_from_out"] = removed[:20]
            try:
                _move_outputs(slot.out, prep.out_dir)
            except OSError as exc:
                details["move_error"] = _short(exc)
            reader.close()
            for c in (stream_client, wait_client):
                if c is not None:
                    c.close()
            if finished:
                with self.lock:
                    self.trash.append((slot.path, slot.cid))  # exited: removed in the background
                self._start()
            self.wake.set()

    # ---- refill
    def target(self, spec: dict) -> int:
        size = os.environ.get("MLJUDGE_WARM_SIZE")
        if size:
            return max(0, int(size))
        return max(1, int((os.cpu_count() or 1) // max(1.0, spec["cpus"])))

    def cap(self) -> int:
        """Idle containers over all keys (a server with many problems keeps the recent ones warm)."""
        return int(os.environ.get("MLJUDGE_WARM_TOTAL") or 2 * (os.cpu_count() or 1))

    def _by_recent_use(self) -> list[tuple[str, dict]]:
        """The kinds this pool serves, the one whose job came last first."""
        with self.lock:
            return sorted(self.specs.items(), key=lambda kv: -self.used.get(kv[0], 0.0))

    def _may_warm(self, spec: dict) -> bool:
        with self.lock:
            running = self.running
            specs = list(self.specs.values())
        if running >= (os.cpu_count() or 1):
            return False
        avail = mem_available()
        if avail is None:
            return True
        biggest = max((s["memory"] for s in specs), default=spec["memory"])
        return avail - MEMORY_RESERVE - running * biggest >= spec["memory"]

    def _start(self) -> None:
        if self.linger or self.stop.is_set():
            return
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="mljudge-warm", daemon=True)
                self.thread.start()

    def _empty_trash(self, client) -> None:
        while True:
            with self.lock:
                if not self.trash:
                    return
                entry, cid = self.trash.pop()
            discard(client, entry, cid)

    def _loop(self) -> None:
        from ..docker import engine_client

        try:
            client = engine_client(timeout=60)
        except Exception:
            return
        while not self.stop.is_set():
            self._empty_trash(client)
            made = False
            for key in list(self.specs):
                reap(client, key)
            counts = {key: count(key) for key in list(self.specs)}
            idle = sum(r + w for r, w in counts.values())
            order = self._by_recent_use()
            for i, (key, spec) in enumerate(order):
                if self.stop.is_set():
                    break
                ready, warming = counts.get(key, (0, 0))
                if warming or ready >= self.target(spec) or not self._may_warm(spec):
                    continue
                if idle >= self.cap():
                    # Full: a kind with none ready takes the place of one of a kind used less lately.
                    older = [k for k, _ in order[i + 1:] if self.used.get(k, 0.0) < self.used.get(key, 0.0)]
                    if ready or not evict_oldest(client, older):
                        continue
                    idle -= 1
                try:
                    entry = create(client, spec, self.owner)
                except Exception:
                    continue
                self.mine.add(entry)
                self.stats["created"] += 1
                made = True
                wait_ready(entry, stop=self.stop)  # one warming at a time
                break
            if not made:
                self.wake.wait(1.0)
                self.wake.clear()
        self._empty_trash(client)
        client.close()

    def prewarm(self, job, wait: bool = True) -> Path | None:
        """Start one warm container for ``job``'s kind now, in this thread (tests, benches); with
        ``wait``, until it is ready (TimeoutError if it is not within READY_TIMEOUT)."""
        import tempfile

        from ..docker import engine_client

        with tempfile.TemporaryDirectory(prefix="mljudge-prewarm-") as tmp:
            job = copy.copy(job)
            job.out_dir = Path(tmp)
            prep = self.backend._prepare(job)
        spec = spec_of(prep) if not isinstance(prep, RunResult) else None
        if spec is None:
            return None
        with self.lock:
            self.specs.setdefault(spec["key"], spec)
        client = engine_client(timeout=180)
        try:
            entry = create(client, spec, self.owner)
        finally:
            client.close()
        self.mine.add(entry)
        self.stats["created"] += 1
        if wait and not wait_ready(entry):
            client = engine_client(timeout=180)
            try:
                discard(client, entry)
            finally:
                client.close()
            raise TimeoutError(f"a warm sandbox was not ready within {READY_TIMEOUT:.0f}s (an overloaded machine?)")
        return entry

    def ensure(self, prep_or_spec) -> None:
        """Ask for warm containers of a job's kind before the first job of that kind."""
        spec = prep_or_spec if isinstance(prep_or_spec, dict) else spec_of(prep_or_spec)
        if spec is None:
            return
        with self.lock:
            self.specs.setdefault(spec["key"], spec)
        self._start()
        self.wake.set()

    # ---- the end
    def close(self) -> None:
        """Stop refilling and remove this process's containers (linger: hand them to a detached refill)."""
        if self.closed:
            return
        self.closed = True
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        if self.linger:
            self._detach_refill()
            return
        from ..docker import EngineUnavailable, engine_client

        try:
            client = engine_client(timeout=30)
        except EngineUnavailable:
            return
        self._empty_trash(client)
        for entry in list(self.mine):
            if entry.exists() and _claim(entry):
                discard(client, entry)
        client.close()

    def _detach_refill(self) -> None:
        with self.lock:
            payload = {"specs": list(self.specs.values()), "trash": [[str(p), c] for p, c in self.trash]}
            self.trash = []
        if not payload["specs"] and not payload["trash"]:
            return
        try:
            proc = subprocess.Popen([sys.executable, "-m", "judge.sandbox.warm", "refill"], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                    close_fds=True)
            proc.stdin.write(json.dumps(payload).encode())
            proc.stdin.close()
        except OSError:
            pass


_pools: dict = {}
_pools_lock = threading.Lock()


def pool_for(backend) -> WarmPool:
    linger = getattr(backend, "warm", None) == "linger"
    key = (backend.image, linger)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = WarmPool(backend, linger=linger)
        return _pools[key]


def close_all() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()
