"""The detached refill `judge submit` leaves behind, and the command line:
``python -m judge.sandbox.warm refill`` (payload on stdin) | ``sweep [--all]``."""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

from .slots import (
    MEMORY_RESERVE,
    count,
    create,
    discard,
    mem_available,
    sweep,
    wait_ready,
)


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
    from ..docker import engine_client

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


def main(argv: list[str]) -> int:
    if argv[:1] == ["refill"]:
        return refill_main(json.loads(sys.stdin.read() or "{}"))
    if argv[:1] == ["sweep"]:
        from ..docker import engine_client

        print("\n".join(sweep(engine_client(), everything="--all" in argv)))
        return 0
    print("usage: python -m judge.sandbox.warm refill|sweep [--all]", file=sys.stderr)
    return 2
