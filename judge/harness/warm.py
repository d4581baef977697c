"""A warm sandbox's waiter: ``python -m mljudge_harness.warm RUNTIME JOB_FILE READY_FILE [IDLE [PRELOAD]]``.

Started by the judge's warm pool (judge/sandbox/warm.py) in a container hardened
exactly like a cold one, before any submission exists. It imports the runtime's
framework, pytest and the harness plugin's helpers (not the plugin module
itself: pytest rewrites its asserts as it imports it), writes READY_FILE (in
the output folder) and waits for JOB_FILE to appear in its read-only job folder:
the judge writes the job's files there first and JOB_FILE (a JSON list: the
arguments of ``mljudge_harness.run``) last, as the go signal. It then runs the
job exactly as ``python -m mljudge_harness.run ARGS`` would, and exits. One job
per container. With no job after ``MLJUDGE_WARM_IDLE`` seconds it exits (0).

Imports nothing else from the judge.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time

# What each runtime's suites import anyway; loaded before the go signal.
PRELOAD = {"numpy": ("numpy",), "torch": ("numpy", "torch"), "tensorflow": ("numpy", "tensorflow")}
# What only some suites import: torch._dynamo comes with the first optimizer step (1.4 s of CPU;
# 15 s on a loaded machine). Preloaded when the last run of the same kind of container had it
# (the judge passes that list, learnt from run.py's imports.json); not otherwise: at -j 2 a
# warm-up takes CPU from a running job, and must not spend it on what the suites never use.
OPTIONAL = {"torch": ("torch._dynamo",)}
POLL = 0.005  # seconds between looks for the go signal (a stat() each)


def imported() -> list[str]:
    """The optional modules this process has imported (run.py writes them to imports.json)."""
    return [m for names in OPTIONAL.values() for m in names if m in sys.modules]


def preload(runtime: str, extra: str = "*") -> None:
    """The runtime's modules, then its optional ones: all with ``*``, else those named in
    ``extra`` (comma-separated; names outside OPTIONAL are ignored)."""
    optional = OPTIONAL.get(runtime, ())
    wanted = optional if extra == "*" else [m for m in extra.split(",") if m in optional]
    for name in (*PRELOAD.get(runtime, ()), *wanted):
        try:
            importlib.import_module(name)
        except Exception:  # the job then fails on it exactly as a cold run would
            pass


def wait_for(job_file: str, idle: float) -> list[str] | None:
    deadline = time.monotonic() + idle
    while not os.path.exists(job_file):
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL)
    with open(job_file, encoding="utf-8") as fh:
        args = json.load(fh)
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise SystemExit("mljudge_harness.warm: the job file is not a list of strings")
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    runtime, job_file, ready_file = argv[:3]
    idle = float(os.environ.get("MLJUDGE_WARM_IDLE", "900"))
    sys.dont_write_bytecode = True
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # as run.main sets it, before pytest loads
    preload(runtime, argv[4] if len(argv) > 4 else "*")
    import pytest  # noqa: F401

    # The plugin's helpers, not the plugin itself nor pytest-timeout: pytest rewrites the
    # asserts of modules named with -p, which it can only do when it imports them.
    from . import oprecord, records, run  # noqa: F401

    with open(ready_file, "w", encoding="utf-8") as fh:
        fh.write(f"{time.time():.3f}\n")
    args = wait_for(job_file, idle)
    if args is None:
        return 0
    sys.argv = [run.__file__, *args]
    return run.main(args)


if __name__ == "__main__":
    sys.exit(main())
