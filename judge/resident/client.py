"""The submitting command's side: use a resident judge when one answers, start one, stop one."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time

from ..errors import JudgeError
from . import protocol


def wanted(backend: str | None) -> bool:
    """Docker judging with warm sandboxes, and not switched off (``MLJUDGE_RESIDENT=0``)."""
    return (backend in (None, "docker") and os.environ.get("MLJUDGE_RESIDENT", "1") != "0"
            and os.environ.get("MLJUDGE_COLD") != "1")


def submit(problem: str, path: str, seed: int | None, label: str) -> dict | None:
    """The result document as the resident judge judged and stored it; None when there is none
    here, or it runs other code or another judge environment (the command then judges itself).
    Errors come back as the exceptions the command itself would raise."""
    cwd = os.getcwd()
    answer = protocol.call({"op": "submit", "cwd": cwd, "args": {
        "problem": problem, "path": os.path.join(cwd, path), "seed": seed, "label": label}})
    if answer is None:
        return None
    if answer.get("mismatch") == "code":
        stop(wait=0)  # started from an older checkout: the command starts a current one after judging
    if "mismatch" in answer:
        return None
    if "error" in answer:
        err = JudgeError(answer["error"])
        err.exit_code = int(answer.get("exit_code", 3))
        raise err
    return answer["doc"]


def status() -> dict | None:
    return protocol.call({"op": "ping"}, timeout=10)


def start(wait: float = 0.0, idle: float | None = None) -> dict | None:
    """Start one, detached, unless one answers; with ``wait``, up to that many seconds until it
    answers (its status, or None)."""
    code = protocol.code_digest()
    st = status()
    if st is not None and st.get("code") == code:
        return st
    if st is not None:
        stop(wait=0)  # older code: the new one takes over once it has ended (server.serve waits)
    run = protocol.run_dir()
    run.mkdir(parents=True, exist_ok=True)
    os.chmod(run, 0o700)
    cmd = [sys.executable, "-m", "judge.resident"] + ([] if idle is None else ["--idle", str(idle)])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(protocol.PACKAGE.parent),
                                                                      os.environ.get("PYTHONPATH")]))}
    with open(run / "resident.log", "ab") as log:
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd="/",
                         start_new_session=True, close_fds=True)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        st = status()
        if st is not None and st.get("code") == code:
            return st
        time.sleep(0.1)
    return None


def stop(wait: float = 60.0) -> bool:
    """Ask it to end; with ``wait``, until it has ended (its warm sandboxes removed, its lock
    released). False when none answered."""
    if protocol.call({"op": "stop"}, timeout=10) is None:
        return False
    if wait > 0:
        with open(protocol.run_dir() / "resident.lock", "a+") as fh:
            if protocol.take_lock(fh, wait):
                fcntl.flock(fh, fcntl.LOCK_UN)
    return True
