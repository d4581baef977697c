"""Warm sandboxes: containers started before the submission arrives (SOCK-style).

A warm container is created exactly like the cold one of the same job
(docker.py ``_prepare``: same image, user, limits, read-only root, no network,
capabilities dropped, pids, tmpfs, ulimits, log cap) except for three things:

- its command is the waiter (``mljudge_harness.warm``), which imports the
  runtime's framework, pytest and the harness plugin, then waits;
- instead of the job's read-only mounts it has one empty per-container host
  folder, ``<dir>/sandbox`` (root-owned), mounted read-only at ``/sandbox``,
  and ``<dir>/out`` mounted writable at ``/sandbox/out`` as a cold run's
  output folder is;
- it starts at the lowest CPU weight (``cpu_shares=2``), so warming up never
  takes CPU from a running job; the weight is restored at hand-over.

Hand-over: the judge claims a ready container (an atomic ``mkdir`` of
``<dir>/claimed``, so two judge processes never share one), copies the job's
folders into ``<dir>/sandbox/<role>`` as read-only files, writes
``<dir>/sandbox/job.json`` last (the go signal) and supervises the run from
that moment (the wall clock counts from the go) exactly as a cold run. Outputs
are moved to the job's output folder; the container is removed and its folder
deleted: one job per container. Nothing of one job is in another's container.

The pool key is everything the container was created with (image, runtime,
limits, env, user, packages): a warm container is only used by a job whose cold
container would have been identical, so the problem's own limits always apply.

Refill (``WarmPool``, one per process): a background thread keeps up to
``target()`` ready containers for each key a job asked for, one warming at a
time, only while fewer jobs than CPUs run and the host's available memory
holds the new container's memory limit on top of the running jobs' limits.
``close()`` (also at exit) removes what the pool made. With ``linger``
(``judge submit``: one command, one job) nothing refills in the process; at
exit a detached ``python -m judge.sandbox.warm refill`` removes the used
container and leaves one ready container per key for the next command. Idle
containers end themselves after ``MLJUDGE_WARM_IDLE`` seconds (default 900).

Switches: ``MLJUDGE_COLD=1`` (or ``--cold``) turns warm runs off;
``MLJUDGE_WARM_SIZE`` caps ready containers per key (default CPUs / the job's CPUs),
``MLJUDGE_WARM_TOTAL`` over all keys (default 2 x CPUs); ``MLJUDGE_WARM_DIR`` is
where the per-container folders live.
"""
from __future__ import annotations

import atexit
import contextlib
import copy
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from .base import RunResult

WAITER = "mljudge_harness.warm"
RUNNER = "mljudge_harness.run"
IDLE_SECONDS = float(os.environ.get("MLJUDGE_WARM_IDLE", "900"))
READY_TIMEOUT = 300.0  # a container not ready by then is given up
LOW_SHARES, NORMAL_SHARES = 2, 1024
MEMORY_RESERVE = 1 << 30  # bytes the host keeps beyond the pool and the running jobs


def enabled() -> str:
    """'' (cold), '1' (in-process pool) or 'linger' (see the module text), from the environment."""
    if os.environ.get("MLJUDGE_COLD") == "1":
        return ""
    mode = os.environ.get("MLJUDGE_WARM", "")
    return mode if mode in ("1", "linger") else ""


def base_dir() -> Path:
    return Path(os.environ.get("MLJUDGE_WARM_DIR") or f"/tmp/mljudge-warm-{os.geteuid()}")


def mem_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


# ---------------------------------------------------------------- specs


def spec_of(prep) -> dict | None:
    """The warm container's settings for a prepared job, or None if it cannot run warm."""
    job, kw = prep.job, prep.create_kwargs
    cmd = kw["command"]
    if len(cmd) < 3 or cmd[0] != prep.places["python"] or cmd[1:3] != ["-m", RUNNER]:
        return None
    if "mljudge_harness" not in job.packages:
        return None
    create = {k: v for k, v in kw.items() if k not in ("name", "labels", "command", "mounts")}
    create["mounts"] = [dict(m) for m in prep.packages]
    create["ulimits"] = [dict(u) for u in create["ulimits"]]
    create["log_config"] = dict(create["log_config"])
    create["command"] = [prep.places["python"], "-m", WAITER, job.runtime, "/sandbox/job.json",
                         "/sandbox/out/.ready"]
    create["cpu_shares"] = LOW_SHARES
    text = json.dumps(create, sort_keys=True, default=str)
    return {"key": hashlib.sha256(text.encode()).hexdigest()[:16], "create": json.loads(text),
            "memory": int(job.limits.memory_mb) << 20, "cpus": float(job.limits.cpus),
            "image": kw["image"]}


# ---------------------------------------------------------------- one container


class Slot:
    """A claimed warm container: its folder and id."""

    def __init__(self, path: Path, cid: str):
        self.path, self.cid = path, cid

    @property
    def out(self) -> Path:
        return self.path / "out"


def _entries(key: str) -> list[Path]:
    d = base_dir() / key
    try:
        return sorted(d.iterdir(), key=lambda p: p.name)
    except OSError:
        return []


def _ready_at(entry: Path) -> float | None:
    try:
        return float((entry / "out" / ".ready").read_text().strip() or "nan")
    except (OSError, ValueError):
        return None


def _claim(entry: Path) -> bool:
    try:
        os.mkdir(entry / "claimed", 0o700)
        return True
    except OSError:
        return False


def count(key: str) -> tuple[int, int]:
    """(ready, warming) unclaimed containers of a key, any process's."""
    ready = warming = 0
    for e in _entries(key):
        if (e / "claimed").exists() or not (e / "cid").exists():
            continue
        if _ready_at(e) is not None:
            ready += 1
        else:
            warming += 1
    return ready, warming


def create(client, spec: dict, owner: str, idle: float = IDLE_SECONDS) -> Path:
    """Create and start one warm container of ``spec``; returns its folder."""
    name = f"mljudge-warm-{uuid.uuid4().hex[:16]}"
    entry = base_dir() / spec["key"] / name
    (entry / "sandbox" / "out").mkdir(parents=True)
    os.chmod(base_dir(), 0o700)  # a job's copied files wait here for removal: the judge's user only
    os.chmod(entry / "sandbox", 0o755)  # (inside, /sandbox is this folder itself: its parents don't matter)
    (entry / "out").mkdir()
    os.chmod(entry / "out", 0o777)  # the sandbox user differs from the judge's
    kw = json.loads(json.dumps(spec["create"]))
    kw["command"] = [*kw["command"], f"{idle:g}"]
    kw["name"] = name
    kw["labels"] = {"mljudge": "1", "mljudge.warm": spec["key"], "mljudge.owner": owner,
                    "mljudge.label": "warm", "mljudge.created": str(int(time.time())),
                    "mljudge.dir": str(entry)}
    kw["mounts"] = [*kw["mounts"],
                    {"Target": "/sandbox", "Source": str(entry / "sandbox"), "Type": "bind", "ReadOnly": True},
                    {"Target": "/sandbox/out", "Source": str(entry / "out"), "Type": "bind", "ReadOnly": False}]
    try:
        container = client.containers.create(**kw)
        (entry / "cid").write_text(container.id)
        container.start()
    except Exception:
        discard(client, entry)
        raise
    return entry


def wait_ready(entry: Path, timeout: float = READY_TIMEOUT, stop: threading.Event | None = None) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and not (stop and stop.is_set()):
        if _ready_at(entry) is not None:
            return True
        if (entry / "claimed").exists() or not entry.exists():
            return False
        time.sleep(0.1)
    return False


def discard(client, entry: Path, cid: str | None = None) -> None:
    """Remove a warm container (claimed or not) and its folder."""
    from .docker import _remove

    _claim(entry)
    cid = cid or _read(entry / "cid")
    if cid:
        _remove(client, cid)
    shutil.rmtree(entry, ignore_errors=True)
    try:
        entry.parent.rmdir()  # the key's folder, once its last container is gone
    except OSError:
        pass


def _read(p: Path) -> str | None:
    try:
        return p.read_text().strip() or None
    except OSError:
        return None


def claim(client, key: str) -> Slot | None:
    """A ready container of ``key``, now ours alone; expired or dead ones found on the way are removed."""
    now = time.time()
    for entry in _entries(key):
        ready = _ready_at(entry)
        cid = _read(entry / "cid")
        if ready is None or cid is None or (entry / "claimed").exists():
            continue
        if not _claim(entry):
            continue
        if now - ready > IDLE_SECONDS - 60:  # about to end by itself
            discard(client, entry, cid)
            continue
        try:
            running = client.api.inspect_container(cid).get("State", {}).get("Running")
        except Exception:
            running = False
        if not running:
            discard(client, entry, cid)
            continue
        return Slot(entry, cid)
    return None


def _copy_ro(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    for root, dirs, files in os.walk(dst):
        for f in files:
            os.chmod(os.path.join(root, f), 0o444)
        os.chmod(root, 0o555)


def _move_outputs(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for e in os.scandir(src):
        if e.name == ".ready":
            continue
        shutil.move(e.path, dst / e.name)


# ---------------------------------------------------------------- the pool


class WarmPool:
    def __init__(self, backend, linger: bool = False):
        self.backend = backend
        self.linger = linger
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.specs: dict[str, dict] = {}
        self.mine: set[Path] = set()
        self.trash: list[tuple[Path, str]] = []
        self.running = 0
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.stats = {"warm": 0, "cold": 0, "created": 0}
        atexit.register(self.close)

    # ---- running a job
    def run(self, prep) -> RunResult | None:
        """Run a prepared job in a warm container; None when none is ready (the caller runs it cold).
        The caller counts the job as running (``job_running``) around this and the cold run."""
        spec = spec_of(prep)
        if spec is None:
            return None
        from .docker import EngineUnavailable, engine_client

        try:
            client = engine_client(timeout=30)
        except EngineUnavailable:
            return None
        with self.lock:
            self.specs.setdefault(spec["key"], spec)
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

        from .docker import _failer, _OutputReader, _short, sanitize_out_dir

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
            stream_client = docker.from_env(timeout=None, version=client.api.api_version).api
            wait_client = docker.from_env(timeout=None, version=client.api.api_version).api
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
        from .docker import engine_client

        try:
            client = engine_client(timeout=60)
        except Exception:
            return
        while not self.stop.is_set():
            self._empty_trash(client)
            made = False
            counts = {key: count(key) for key in list(self.specs)}
            idle = sum(r + w for r, w in counts.values())
            for key, spec in list(self.specs.items()):
                if self.stop.is_set():
                    break
                ready, warming = counts.get(key, (0, 0))
                if warming or ready >= self.target(spec) or idle >= self.cap() or not self._may_warm(spec):
                    continue
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

        from .docker import engine_client

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
        if self.stop.is_set():
            return
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        if self.linger:
            self._detach_refill()
            return
        from .docker import EngineUnavailable, engine_client

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


# ---------------------------------------------------------------- detached refill (judge submit)


def _jobs_running(client) -> int:
    n = 0
    for c in client.api.containers(filters={"label": "mljudge=1", "status": "running"}):
        labels = c.get("Labels") or {}
        d = labels.get("mljudge.dir")
        if "mljudge.warm" not in labels or (d and Path(d, "claimed").exists()):
            n += 1
    return n


def refill_main(payload: dict, wait_seconds: float = 120.0) -> int:
    """Remove used containers; leave one ready container per key (when the CPUs and memory allow)."""
    from .docker import engine_client

    try:
        os.nice(10)
    except OSError:
        pass
    client = engine_client(timeout=60)
    for path, cid in payload.get("trash", []):
        discard(client, Path(path), cid)
    owner = f"{socket.gethostname()}:warm"
    for spec in payload.get("specs", []):
        ready, warming = count(spec["key"])
        if ready or warming:
            continue
        end = time.monotonic() + wait_seconds
        while time.monotonic() < end and _jobs_running(client) >= (os.cpu_count() or 1):
            time.sleep(1.0)
        avail = mem_available()
        if avail is not None and avail - MEMORY_RESERVE < spec["memory"]:
            continue
        try:
            entry = create(client, spec, owner)
        except Exception:
            continue
        wait_ready(entry)
    client.close()
    return 0


def sweep(client, everything: bool = False) -> list[str]:
    """Remove warm containers of ``base_dir()`` that ended (idle timeout) or, with ``everything``,
    all unclaimed ones."""
    removed = []
    base = str(base_dir()) + "/"
    for c in client.api.containers(all=True, filters={"label": "mljudge.warm"}):
        labels = c.get("Labels") or {}
        d = labels.get("mljudge.dir")
        if not (d or "").startswith(base):
            continue
        if c.get("State") == "running" and not everything:
            continue
        entry = Path(d) if d else None
        if entry is not None and entry.exists() and not _claim(entry):
            continue  # a judge is handing it a job
        discard(client, entry or Path("/nonexistent"), c["Id"])
        removed.append((c.get("Names") or ["?"])[0].lstrip("/"))
    return removed


if __name__ == "__main__":
    if sys.argv[1:2] == ["refill"]:
        sys.exit(refill_main(json.loads(sys.stdin.read() or "{}")))
    if sys.argv[1:2] == ["sweep"]:
        from .docker import engine_client

        print("\n".join(sweep(engine_client(), everything="--all" in sys.argv)))
        sys.exit(0)
    print("usage: python -m judge.sandbox.warm refill|sweep [--all]", file=sys.stderr)
    sys.exit(2)
