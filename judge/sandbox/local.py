"""The local backend: a subprocess with rlimits, watched by the judge.

Weaker than docker, and says so: the job runs as the judge's user and can read
what that user can read. What it does enforce: its own session and process
group (killed whole at the wall limit), RSS and process/thread counts polled
and the group killed past the limit, CPU-time, file-size and core rlimits,
capped stdout/stderr, a clean environment, a private temporary folder, and a
private network namespace (loopback only) where the host allows one.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .base import Backend, Job, RunResult, resolve, thread_env

POLL_SECONDS = 0.02
CLONE_NEWNET = 0x40000000
PAGE = os.sysconf("SC_PAGE_SIZE")


def _bring_loopback_up() -> None:
    """Set IFF_UP on lo inside a fresh network namespace (SIOCSIFFLAGS)."""
    import fcntl

    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifr))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _unshare_network() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            return False
        _bring_loopback_up()
        return True
    except Exception:
        return False


def network_isolation_available() -> bool:
    """Probe in a child process whether a private network namespace works here."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os._exit(0 if _unshare_network() else 1)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status) == 0


def _session_procs(sid: int) -> list[tuple[int, int, int]]:
    """(pid, rss_bytes, threads) for every process in session ``sid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        # fields[0] = state (field 3); session = field 6; threads = 20; rss = 24
        try:
            if int(fields[3]) != sid or fields[0] == "Z":
                continue
            found.append((int(entry), int(fields[21]) * PAGE, int(fields[17])))
        except (IndexError, ValueError):
            continue
    return found


class _CappedReader(threading.Thread):
    """Drain a pipe, keep the first ``cap`` bytes."""

    def __init__(self, stream, cap: int):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.buf = bytearray()
        self.truncated = False

    def run(self):
        while True:
            chunk = self.stream.read(65536)
            if not chunk:
                break
            room = self.cap - len(self.buf)
            if room > 0:
                self.buf += chunk[:room]
            if len(chunk) > max(room, 0):
                self.truncated = True

    def text(self) -> str:
        return bytes(self.buf).decode("utf-8", "replace")


class LocalBackend(Backend):
    name = "local"

    def __init__(self, python: str | None = None, isolate_network: bool | None = None):
        self.python = python or os.environ.get("MLJUDGE_LOCAL_PYTHON") or sys.executable
        self.isolate_network = network_isolation_available() if isolate_network is None else isolate_network

    def runtime_id(self) -> str:
        import hashlib
        import platform

        tag = hashlib.sha256(os.path.realpath(self.python).encode()).hexdigest()[:8]
        return f"local-py{platform.python_version()}-{tag}"

    def available(self) -> str | None:
        if not shutil.which(self.python) and not os.path.exists(self.python):
            return f"local runtime python {self.python!r} not found"
        return None

    def run(self, job: Job) -> RunResult:
        work = Path(tempfile.mkdtemp(prefix="mljudge-local-"))
        try:
            return self._run(job, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run(self, job: Job, work: Path) -> RunResult:
        tmp, libs = work / "tmp", work / "lib"
        tmp.mkdir()
        libs.mkdir()
        for name, src in job.packages.items():
            os.symlink(Path(src).resolve(), libs / name)
        job.out_dir.mkdir(parents=True, exist_ok=True)
        places = {"python": self.python, "out": str(job.out_dir), "tmp": str(tmp)}
        places.update({role: str(Path(p).resolve()) for role, p in job.mounts.items()})
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "TMPDIR": str(tmp),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(libs),
            **thread_env(job.limits.cpus),
            **job.env,
        }
        limits = job.limits
        isolate = self.isolate_network

        def preexec():  # runs in the child between fork and exec
            os.setsid()
            if isolate:
                _unshare_network()
            import resource

            cpu = int(limits.wall_seconds * max(1.0, limits.cpus)) + 5
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
            fsize = limits.file_mb << 20
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if os.geteuid() != 0:  # root ignores RLIMIT_NPROC; the poller counts instead
                resource.setrlimit(resource.RLIMIT_NPROC, (limits.pids, limits.pids))

        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                resolve(job.command, places), cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec,
            )
        except OSError as exc:
            return RunResult(self.name, None, False, False, 0.0, None, "", "", False, job.out_dir,
                             error=f"could not start the job: {exc}")
        readers = [_CappedReader(proc.stdout, limits.output_bytes), _CappedReader(proc.stderr, limits.output_bytes)]
        for r in readers:
            r.start()
        timed_out = oom = too_many = False
        peak = 0
        mem_cap = limits.memory_mb << 20
        try:
            while proc.poll() is None:
                elapsed = time.monotonic() - start
                procs = _session_procs(proc.pid)
                rss = sum(p[1] for p in procs)
                peak = max(peak, rss)
                if elapsed > limits.wall_seconds:
                    timed_out = True
                elif sum(p[2] for p in procs) > limits.pids:  # before memory: forks share pages
                    too_many = True
                elif rss > mem_cap:
                    oom = True
                if timed_out or oom or too_many:
                    break
                time.sleep(POLL_SECONDS)
        finally:
            self._kill_session(proc)
        wall = time.monotonic() - start
        for r in readers:
            r.join(timeout=5)
        exit_code = proc.returncode
        return RunResult(
            backend=self.name, exit_code=exit_code, timed_out=timed_out, oom_killed=oom,
            wall_seconds=round(wall, 3), peak_memory_bytes=peak or None,
            stdout=readers[0].text(), stderr=readers[1].text(),
            output_truncated=readers[0].truncated or readers[1].truncated, out_dir=job.out_dir,
            details={"network_isolated": isolate, "pids_exceeded": too_many},
        )

    @staticmethod
    def _kill_session(proc: subprocess.Popen) -> None:
        """SIGKILL the job's process group until nothing of its session is left."""
        for _ in range(50):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            for pid, _, _ in _session_procs(proc.pid):  # members that left the group
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            if not _session_procs(proc.pid):
                return
