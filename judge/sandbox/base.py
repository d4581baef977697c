"""The sandbox contract: a Job goes in, a RunResult comes out.

A job names its inputs by role (``submission``, ``tests``, ``harness``), each a
host folder mounted read-only, and one writable output folder. The command
uses placeholders a backend resolves to where the roles live for it:

``{python}``  the Python of the job's runtime (``Job.runtime``: numpy, torch,
              tensorflow; see runtimes.py)
``{<role>}``  the folder of a mount (``{submission}``, ``{tests}``, …)
``{out}``     the writable output folder
``{tmp}``     the private temporary folder
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 120.0
    memory_mb: int = 2048
    cpus: float = 1.0
    pids: int = 64
    output_bytes: int = 1 << 20
    tmp_mb: int = 256
    shm_mb: int = 64
    file_mb: int = 256  # largest file the job may write


@dataclass
class Job:
    command: list[str]
    mounts: dict[str, Path]  # role -> host folder, read-only
    out_dir: Path  # host folder, the only writable mount
    limits: Limits = field(default_factory=Limits)
    env: dict[str, str] = field(default_factory=dict)
    packages: dict[str, Path] = field(default_factory=dict)  # import name -> host package folder, read-only, on PYTHONPATH
    label: str = ""  # free text carried into container labels / logs
    runtime: str = "numpy"  # the Python environment the job runs in (sandbox/runtimes.py)


@dataclass
class RunResult:
    backend: str
    exit_code: int | None
    timed_out: bool
    oom_killed: bool
    wall_seconds: float
    peak_memory_bytes: int | None
    stdout: str
    stderr: str
    output_truncated: bool
    out_dir: Path
    error: str | None = None  # the backend could not run the job at all
    details: dict = field(default_factory=dict)  # backend-specific (image, container id, …)


class Backend:
    """What every backend provides (see docker.py, local.py)."""

    name = "?"

    def available(self) -> str | None:
        """None when jobs can run here, else a one-line reason with what to run."""
        raise NotImplementedError

    def run(self, job: Job) -> RunResult:
        raise NotImplementedError

    def cold(self) -> "Backend":
        """The same sandbox without pre-started containers (itself when it has none)."""
        return self

    def release(self) -> None:
        """Let go of what the backend keeps ready between runs (docker: idle warm sandboxes),
        e.g. when a verification moves on to another problem, whose runs need other ones."""

    def runtime_id(self, runtime: str | None = None) -> str:
        """Names where a runtime's jobs run (``<runtime>@<image or interpreter>``):
        part of the reference cache key and of the result document."""
        return f"{runtime or 'numpy'}@{self.name}"


class SandboxUnavailable(Exception):
    """The backend cannot run jobs here (no engine, no image); the message says what to do."""


def thread_env(cpus: float) -> dict[str, str]:
    """Keep math libraries to the CPUs the job was given."""
    n = str(max(1, int(cpus)))
    return {
        "OMP_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "TF_NUM_INTRAOP_THREADS": n,
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
    }


def resolve(command: list[str], places: dict[str, str]) -> list[str]:
    return [arg.format(**places) for arg in command]


def read_capped(path: Path, cap: int) -> tuple[str, bool]:
    """Read at most ``cap`` bytes of a file the sandbox wrote."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except OSError:
        return "", False
    return data[:cap].decode("utf-8", "replace"), len(data) > cap


def ensure_empty_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o777)
