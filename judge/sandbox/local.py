"""The local backend: the job in a bubblewrap sandbox, limits counted by the kernel.

- **walls** (bwrap.py): a mount namespace holding only the job's runtime, the
  harness, the submission, the tests and the output folder (no reference,
  no JUDGE_HOME, no /root, /home or /work), new user/PID/IPC/UTS/network
  namespaces (loopback only), all capabilities dropped, ``--die-with-parent``,
  ``--new-session``, size-capped tmpfs ``/tmp``.
- **runtime**: the host venv of the problem's runtime
  (``$MLJUDGE_RUNTIMES/<name>``, made by scripts/setup.sh from the same
  requirement files as the image), mounted at ``/opt/runtimes/<name>``.
- **limits** (cgroup.py): a child cgroup per job where the host allows one,
  so the kernel refuses the fork past ``pids`` and OOM-kills past
  ``memory_mb``; the verdict is read from the group's event counters. Where
  no group can be made, a consistent measure: the process/thread count is
  checked first, memory is the summed PSS (pages shared by forks are split
  between them, not counted once per process). CPU-time, file-size and core
  rlimits; the wall clock is the judge's; output capped; clean environment.

Where the host cannot create the namespaces, the backend refuses unless the
user asked for ``--unsafe-local`` (``MLJUDGE_UNSAFE_LOCAL=1``): then the job
runs as the judge's user with rlimits only (and a network namespace where
possible), with a warning.
"""
from __future__ import annotations

import ctypes
import hashlib
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

from . import bwrap, runtimes
from .base import Backend, Job, RunResult, resolve, thread_env
from .cgroup import JobCgroup

POLL_SECONDS = 0.02
CLONE_NEWNET = 0x40000000
PAGE = os.sysconf("SC_PAGE_SIZE")
ENV_UNSAFE = "MLJUDGE_UNSAFE_LOCAL"
EXTRA_PIDS = 1  # the sandbox's own init (bwrap's PID 1), as docker's tini
MEMORY_PINNED_FRACTION, MEMORY_PINNED_SECONDS = 0.97, 1.0  # as the docker backend
NICE_WITHOUT_CGROUP = 15  # the job's niceness when the poller, not the kernel, counts


# ---------------------------------------------------------------- network (unsafe path)


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


# ---------------------------------------------------------------- the fallback measure


def _proc_table() -> dict[int, tuple[int, int, int, str]]:
    """pid -> (ppid, session, threads, state) for every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        f = stat[stat.rfind(")") + 2:].split()
        try:  # f[0] state, f[1] ppid, f[3] session, f[17] threads
            out[int(entry)] = (int(f[1]), int(f[3]), int(f[17]), f[0])
        except (IndexError, ValueError):
            continue
    return out


def _job_procs(root: int) -> list[tuple[int, int]]:
    """(pid, threads) of the job: descendants of ``root`` and members of its session."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root]
    while stack:
        p = stack.pop()
        if p in found or p not in table:
            continue
        found.add(p)
        stack.extend(children.get(p, ()))
    found |= {pid for pid, (_, sid, _, _) in table.items() if sid == root}
    return [(p, table[p][2]) for p in sorted(found) if p in table and table[p][3] != "Z"]


def _pss(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # no smaps_rollup: resident pages (an overestimate for forks)
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _session_procs(sid: int) -> list[tuple[int, int, int]]:
    """(pid, pss_bytes, threads) for every process of the job rooted at ``sid``."""
    return [(pid, _pss(pid), threads) for pid, threads in _job_procs(sid)]


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


def unsafe_requested() -> bool:
    return os.environ.get(ENV_UNSAFE) == "1"


class LocalBackend(Backend):
    name = "local"

    def __init__(self, python: str | None = None, isolate_network: bool | None = None,
                 unsafe: bool | None = None):
        self.python_override = python or os.environ.get("MLJUDGE_LOCAL_PYTHON") or None
        self.unsafe_allowed = unsafe_requested() if unsafe is None else unsafe
        self.no_sandbox = bwrap.unavailable()  # None when bubblewrap works here
        self.sandboxed = self.no_sandbox is None
        # Samples and reports tell the two apart: only the sandboxed one hides the judge's files.
        self.name = "local" if self.sandboxed else "local-unsafe"
        if self.sandboxed:
            self.isolate_network = True
        else:
            self.isolate_network = network_isolation_available() if isolate_network is None else isolate_network

    # ------------------------------------------------------------ identity

    def python_for(self, runtime: str) -> str:
        """The host interpreter of a runtime (its venv; the override on the unsafe path)."""
        if self.python_override and not self.sandboxed:
            return self.python_override
        venv = runtimes.local_python(runtime)
        if runtimes.local_status(runtime) is None:
            return str(venv)
        return os.path.realpath(sys.executable)

    def runtime_id(self, runtime: str | None = None) -> str:
        import platform

        runtime = runtime or "numpy"
        st = runtimes.stamp(runtime) if runtimes.local_status(runtime) is None else None
        key = (st or {}).get("definition") or os.path.realpath(self.python_for(runtime))
        tag = hashlib.sha256(key.encode()).hexdigest()[:8]
        kind = ("local" if st else "local-hostpy") if self.sandboxed else "local-unsafe"
        return f"{runtime}@{kind}-py{platform.python_version()}-{tag}"

    def available(self) -> str | None:
        if self.no_sandbox and not self.unsafe_allowed:
            return (f"{self.no_sandbox}; the local backend refuses to run without it "
                    f"(pass --unsafe-local for rlimits only, which cannot hide the judge's files)")
        return None

    def describe(self) -> str:
        return "bubblewrap" if self.sandboxed else "rlimits only (unsafe)"

    # ------------------------------------------------------------ run

    def run(self, job: Job) -> RunResult:
        work = Path(tempfile.mkdtemp(prefix="mljudge-local-"))
        try:
            return self._run(job, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _failed(self, job: Job, msg: str) -> RunResult:
        return RunResult(self.name, None, False, False, 0.0, None, "", "", False, job.out_dir, error=msg)

    def _run(self, job: Job, work: Path) -> RunResult:
        if self.no_sandbox and not self.unsafe_allowed:
            return self._failed(job, self.available() or self.no_sandbox)
        runtime = job.runtime
        try:
            runtimes.check_name(runtime)
        except ValueError as exc:
            return self._failed(job, str(exc))
        job.out_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(job.out_dir, 0o777)
        limits = job.limits
        env = {"LANG": "C.UTF-8", **thread_env(limits.cpus)}
        warning = None
        if self.sandboxed:
            warning = runtimes.local_status(runtime)
            if warning is None:
                stamp = runtimes.stamp(runtime) or {}
                python = f"{bwrap.RUNTIME_ROOT}/{runtime}/bin/python"
                runtime_dir, prefixes, site = runtimes.local_dir(runtime), [stamp.get("base_prefix")], \
                    stamp.get("base_site") or []
            else:  # the judge's own interpreter, every package it has importable: said loudly
                warning += "; running in the judge's own Python instead (every package it has is importable)"
                python, runtime_dir, site = os.path.realpath(sys.executable), None, []
                prefixes = [sys.base_prefix, sys.prefix]
            places = {"python": python, "out": f"{bwrap.SANDBOX}/out", "tmp": "/tmp"}
            mounts = {}
            for role, p in job.mounts.items():
                if not role.isidentifier() or role in places:
                    return self._failed(job, f"bad mount role {role!r}")
                mounts[role] = Path(p).resolve()
                places[role] = f"{bwrap.SANDBOX}/{role}"
            try:
                inner = resolve(job.command, places)
            except (KeyError, IndexError, ValueError) as exc:
                return self._failed(job, f"command has an unknown placeholder: {exc}")
            argv = bwrap.command(
                runtime_dir=runtime_dir, runtime_name=runtime, base_prefixes=prefixes, base_site=site,
                mounts=mounts, packages={n: Path(p).resolve() for n, p in job.packages.items()},
                out_dir=job.out_dir.resolve(), etc_dir=bwrap.write_etc(work / "etc"),
                tmp_mb=limits.tmp_mb, shm_mb=limits.shm_mb, argv=inner)
            env.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp"})
            pp = [bwrap.PKG_ROOT] if job.packages else []
            cwd = work
        else:
            tmp, libs = work / "tmp", work / "lib"
            tmp.mkdir()
            libs.mkdir()
            for name, src in job.packages.items():
                os.symlink(Path(src).resolve(), libs / name)
            places = {"python": self.python_for(runtime), "out": str(job.out_dir), "tmp": str(tmp)}
            places.update({role: str(Path(p).resolve()) for role, p in job.mounts.items()})
            argv = resolve(job.command, places)
            env.update({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "TMPDIR": str(tmp)})
            pp = [str(libs)]
            cwd = tmp
        env.update(job.env)
        if job.env.get("PYTHONPATH"):
            pp.append(job.env["PYTHONPATH"])
        if pp:
            env["PYTHONPATH"] = ":".join(pp)
        res = self._execute(job, argv, env, cwd)
        if warning:
            res.details["runtime_warning"] = warning
        return res

    def _execute(self, job: Job, argv: list[str], env: dict, cwd: Path) -> RunResult:
        limits = job.limits
        mem_cap = limits.memory_mb << 20
        group = JobCgroup.create(limits.pids + EXTRA_PIDS, mem_cap)
        isolate = self.isolate_network and not self.sandboxed  # bwrap makes its own

        def preexec():  # runs in the child between fork and exec
            os.setsid()
            if group is not None:
                group.join()
            if isolate:
                _unshare_network()
            import resource

            cpu = int(limits.wall_seconds * max(1.0, limits.cpus)) + 5
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
            fsize = limits.file_mb << 20
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if group is None:
                if os.geteuid() != 0:  # root ignores RLIMIT_NPROC
                    resource.setrlimit(resource.RLIMIT_NPROC, (limits.pids, limits.pids))
                # No kernel limit: the poller must win the CPU against a fork bomb.
                os.nice(NICE_WITHOUT_CGROUP)

        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec)
        except (OSError, subprocess.SubprocessError) as exc:
            if group is not None:
                group.remove()
            return self._failed(job, f"could not start the job: {exc}")
        readers = [_CappedReader(proc.stdout, limits.output_bytes), _CappedReader(proc.stderr, limits.output_bytes)]
        for r in readers:
            r.start()
        timed_out = oom = too_many = False
        peak = 0
        pinned_since = None
        try:
            while proc.poll() is None:
                if time.monotonic() - start > limits.wall_seconds:
                    timed_out = True
                elif group is not None:
                    # The kernel decided; the counters only say what it did.
                    too_many = group.pids_exceeded()
                    oom = group.oom_killed()
                    now_bytes = group.memory_now() or 0
                    peak = max(peak, now_bytes)
                    # cgroup v1 without swap: at its limit a job can thrash (the kernel
                    # evicts file pages) long before the OOM killer acts. Pinned at the
                    # limit counts as memory, as in the docker backend.
                    if now_bytes >= MEMORY_PINNED_FRACTION * mem_cap:
                        pinned_since = pinned_since or time.monotonic()
                        oom = oom or time.monotonic() - pinned_since >= MEMORY_PINNED_SECONDS
                    else:
                        pinned_since = None
                else:
                    procs = _job_procs(proc.pid)
                    # Count first: forks share pages, and their count is exact.
                    if sum(t for _, t in procs) > limits.pids + EXTRA_PIDS + (1 if self.sandboxed else 0):
                        too_many = True
                    else:
                        used = sum(_pss(pid) for pid, _ in procs)
                        peak = max(peak, used)
                        oom = used > mem_cap
                if timed_out or oom or too_many:
                    break
                time.sleep(POLL_SECONDS)
        finally:
            self._kill(proc, group)
        wall = time.monotonic() - start
        for r in readers:
            r.join(timeout=5)
        if group is not None:
            # Read once more after the end: a refusal or an OOM kill in the last
            # moments counts the same as one seen while polling.
            too_many = too_many or group.pids_exceeded()
            oom = (oom or group.oom_killed()) and not timed_out
            peak = max(peak, group.memory_peak() or 0)
            group.remove()
        details = {"sandbox": self.describe(), "network_isolated": self.sandboxed or isolate,
                   "pids_exceeded": too_many, "runtime": job.runtime,
                   "limits_by": f"cgroup v{group.version}" if group is not None else "poll (count, pss)"}
        return RunResult(
            backend=self.name, exit_code=proc.returncode, timed_out=timed_out, oom_killed=oom,
            wall_seconds=round(wall, 3), peak_memory_bytes=peak or None,
            stdout=readers[0].text(), stderr=readers[1].text(),
            output_truncated=readers[0].truncated or readers[1].truncated, out_dir=job.out_dir,
            details=details,
        )

    @staticmethod
    def _kill(proc: subprocess.Popen, group: JobCgroup | None) -> None:
        """SIGKILL the whole job (its cgroup, its session, its descendants) until nothing is left."""
        for _ in range(50):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if group is not None:
                group.kill(timeout=1.0)
            for pid, _ in _job_procs(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            if not _job_procs(proc.pid) and (group is None or not group.pids()):
                return
