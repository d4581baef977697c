"""Warm containers one by one: the pool key, creating, claiming (an atomic ``mkdir``),
handing files in, discarding. Each container's host folder is
``base_dir()/<key>/<name>/``: ``cid``, ``sandbox/`` (read-only at ``/sandbox``),
``out/`` (writable at ``/sandbox/out``; ``out/.ready`` once the waiter is ready),
``claimed/`` (made by the one judge process that hands it a job).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

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
    create["mounts"] = [dict(m) for m in (*prep.packages, *prep.fixed)]
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


def _expired(ready: float, now: float) -> bool:
    """A ready container that ends by itself within a minute (its waiter's idle timer)."""
    return now - ready > IDLE_SECONDS - 60


def count(key: str) -> tuple[int, int]:
    """(ready, warming) unclaimed containers of a key, any process's; expired ones are not ready."""
    ready = warming = 0
    now = time.time()
    for e in _entries(key):
        if (e / "claimed").exists() or not (e / "cid").exists():
            continue
        at = _ready_at(e)
        if at is None:
            warming += 1
        elif not _expired(at, now):
            ready += 1
    return ready, warming


def reap(client, key: str) -> int:
    """Remove the expired unclaimed containers of a key; how many."""
    now, n = time.time(), 0
    for e in _entries(key):
        at = _ready_at(e)
        if at is not None and _expired(at, now) and not (e / "claimed").exists() and _claim(e):
            discard(client, e)
            n += 1
    return n


def evict_oldest(client, keys) -> bool:
    """Remove the ready container that has waited longest among ``keys`` (the pool is full and
    another kind of job needs a place); False if there is none to take."""
    found = sorted((at, e) for key in keys for e in _entries(key)
                   if (at := _ready_at(e)) is not None and not (e / "claimed").exists())
    for _, e in found:
        if _claim(e):
            discard(client, e)
            return True
    return False


def _hint_path(key: str) -> Path:
    return base_dir() / "hints" / key


def learn(spec: dict, out_dir: Path) -> None:
    """Keep which optional modules a run of this kind imported (the harness's imports.json,
    written inside the sandbox: only names the waiter's allow-list knows are ever loaded)."""
    try:
        fd = os.open(Path(out_dir) / "imports.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            names = json.loads(fh.read(4096))
    except (OSError, ValueError):
        return
    if not isinstance(names, list) or not all(isinstance(n, str) and n.replace(".", "").replace("_", "").isalnum()
                                              for n in names):
        return
    path = _hint_path(spec["key"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(",".join(sorted(names)))
        os.replace(tmp, path)
    except OSError:
        pass


def preload_hint(key: str) -> str:
    """The optional modules to preload for this kind: those the last run of it had imported (a
    run in a sandbox that preloaded one has it too, so it stays until a cold run shows it unused);
    none while no run is known."""
    try:
        return _hint_path(key).read_text()
    except OSError:
        return ""


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
    kw["command"] = [*kw["command"], f"{idle:g}", preload_hint(spec["key"])]
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
    from ..docker import _remove

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
        if _expired(ready, now):
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
