"""A child cgroup per local job: the kernel counts processes and memory.

With a cgroup the local backend's limits are decided by the kernel, not by a
poller racing the job: ``pids.max`` makes the 33rd fork fail (and counts the
refusal in ``pids.events``), the memory limit makes the kernel reclaim and
then OOM-kill inside the group (counted as ``oom_kill``). The judge reads the
counters afterwards, so the verdict does not depend on when it looked.

cgroup v2 (``/sys/fs/cgroup/cgroup.controllers``): a group under
``/sys/fs/cgroup/mljudge/`` with ``pids.max``, ``memory.max``,
``memory.swap.max = 0``; counters from ``pids.events`` (max) and
``memory.events`` (oom_kill); ``cgroup.kill`` ends it.
cgroup v1: a group in the ``pids`` and ``memory`` hierarchies, under the
judge's own group; ``pids.max``, ``memory.limit_in_bytes`` (and
``memory.memsw.limit_in_bytes`` when swap is accounted); counters from
``pids.events`` and ``memory.oom_control`` (oom_kill).

``JobCgroup.create`` returns None where the host allows no child group (not
root, read-only cgroupfs, no delegation); the caller then falls back.
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

ROOT = Path(os.environ.get("MLJUDGE_CGROUP_ROOT", "/sys/fs/cgroup"))
ENV_DISABLE = "MLJUDGE_NO_CGROUP"  # "1": behave as if the host allowed none


def _read(p: Path) -> str:
    try:
        return p.read_text()
    except OSError:
        return ""


def _write(p: Path, value: str) -> None:
    with open(p, "w") as fh:
        fh.write(value)


def _field(text: str, key: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            try:
                return int(parts[1])
            except ValueError:
                return 0
    return 0


def _own_path(controller: str) -> str:
    """The judge's own group in a v1 hierarchy (``/`` when unknown)."""
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            return path
    return "/"


class JobCgroup:
    def __init__(self, version: int, dirs: dict[str, Path]):
        self.version = version
        self.dirs = dirs  # "pids"/"memory" -> folder (the same folder on v2)

    # ------------------------------------------------------------ creation

    @classmethod
    def create(cls, pids: int, memory_bytes: int) -> "JobCgroup | None":
        if os.environ.get(ENV_DISABLE) == "1":
            return None
        name = f"mljudge-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            if (ROOT / "cgroup.controllers").is_file():
                return cls._create_v2(name, pids, memory_bytes)
            if (ROOT / "pids" / "pids.max").exists() or (ROOT / "pids").is_dir():
                return cls._create_v1(name, pids, memory_bytes)
        except OSError:
            return None
        return None

    @classmethod
    def _create_v2(cls, name: str, pids: int, memory_bytes: int) -> "JobCgroup":
        parent = ROOT / "mljudge"
        parent.mkdir(exist_ok=True)
        for d in (ROOT, parent):
            enabled = _read(d / "cgroup.subtree_control").split()
            missing = [c for c in ("memory", "pids") if c not in enabled]
            if missing:
                _write(d / "cgroup.subtree_control", " ".join("+" + c for c in missing))
        g = parent / name
        g.mkdir()
        cg = cls(2, {"pids": g, "memory": g})
        try:
            _write(g / "pids.max", str(pids))
            _write(g / "memory.max", str(memory_bytes))
            if (g / "memory.swap.max").exists():
                _write(g / "memory.swap.max", "0")
            if (g / "memory.oom.group").exists():
                _write(g / "memory.oom.group", "1")  # an OOM kill takes the whole job
        except OSError:
            cg.remove()
            raise
        return cg

    @classmethod
    def _create_v1(cls, name: str, pids: int, memory_bytes: int) -> "JobCgroup":
        dirs: dict[str, Path] = {}
        cg = cls(1, dirs)
        try:
            for ctrl in ("pids", "memory"):
                base = ROOT / ctrl
                own = base / _own_path(ctrl).lstrip("/")
                parent = own if own.is_dir() else base
                g = parent / name
                g.mkdir()
                dirs[ctrl] = g
            _write(dirs["pids"] / "pids.max", str(pids))
            m = dirs["memory"]
            _write(m / "memory.limit_in_bytes", str(memory_bytes))
            if (m / "memory.memsw.limit_in_bytes").exists():  # swap accounted: no swap either
                try:
                    _write(m / "memory.memsw.limit_in_bytes", str(memory_bytes))
                except OSError:
                    pass
            if "oom_kill " not in _read(m / "memory.oom_control"):
                raise OSError("this kernel does not count OOM kills per cgroup")
        except OSError:
            cg.remove()
            raise
        return cg

    # ------------------------------------------------------------ the job's side

    def procs_files(self) -> list[str]:
        return sorted({str(d / "cgroup.procs") for d in self.dirs.values()})

    def join(self) -> None:
        """Move the calling process in (called in the child between fork and exec)."""
        pid = str(os.getpid())
        for f in self.procs_files():
            with open(f, "w") as fh:
                fh.write(pid)

    # ------------------------------------------------------------ the judge's side

    def pids(self) -> list[int]:
        out: set[int] = set()
        for f in self.procs_files():
            for line in _read(Path(f)).split():
                if line.isdigit():
                    out.add(int(line))
        return sorted(out)

    def pids_exceeded(self) -> bool:
        """A fork or thread was refused for the pids limit."""
        return _field(_read(self.dirs["pids"] / "pids.events"), "max") > 0

    def oom_killed(self) -> bool:
        m = self.dirs["memory"]
        if self.version == 2:
            return _field(_read(m / "memory.events"), "oom_kill") > 0
        return _field(_read(m / "memory.oom_control"), "oom_kill") > 0

    def memory_now(self) -> int | None:
        m = self.dirs["memory"]
        text = _read(m / ("memory.current" if self.version == 2 else "memory.usage_in_bytes")).strip()
        return int(text) if text.isdigit() else None

    def memory_peak(self) -> int | None:
        m = self.dirs["memory"]
        text = _read(m / ("memory.peak" if self.version == 2 else "memory.max_usage_in_bytes")).strip()
        return int(text) if text.isdigit() else self.memory_now()

    def kill(self, timeout: float = 5.0) -> bool:
        """SIGKILL everything in the group until it is empty; True when it is."""
        g = self.dirs["pids"]
        if self.version == 2 and (g / "cgroup.kill").exists():
            try:
                _write(g / "cgroup.kill", "1")
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while True:
            left = self.pids()
            if not left:
                return True
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def remove(self) -> None:
        for d in set(self.dirs.values()):
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still busy for a moment after the last exit
                    time.sleep(0.02)
