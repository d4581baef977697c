"""What `judge submit` and the resident judge say to each other: one request, one answer,
each a length-prefixed JSON document on a Unix socket. Standard library only (and
judge.secret for JUDGE_HOME): the command imports this before it knows whether it will
judge by itself."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import struct
import sys
import time
from pathlib import Path

from ..secret import judge_home  # light: the standard library and judge.errors

PACKAGE = Path(__file__).resolve().parent.parent  # the judge package
ENV_PREFIXES = ("MLJUDGE_", "JUDGE_", "DOCKER_")
# set per command by the CLI, about the resident judge itself, or how many warm sandboxes wait:
# they do not change a verdict
ENV_IGNORED = frozenset({"MLJUDGE_WARM", "MLJUDGE_RESIDENT", "MLJUDGE_RESIDENT_IDLE", "JUDGE_TOKEN",
                         "MLJUDGE_WARM_SIZE", "MLJUDGE_WARM_TOTAL"})
HEADER = struct.Struct("!I")


def run_dir() -> Path:
    """``JUDGE_HOME/run``."""
    return judge_home() / "run"


def socket_path() -> Path:
    return run_dir() / "resident.sock"


def take_lock(fh, wait: float) -> bool:
    """An exclusive flock on ``fh`` (the resident judge holds ``run/resident.lock`` while it lives),
    retried for up to ``wait`` seconds."""
    end = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            if time.monotonic() >= end:
                return False
            time.sleep(0.1)


def code_digest() -> str:
    """The interpreter and every module of the judge package (name, size, mtime): a resident
    judge only serves a command that would run the same code."""
    h = hashlib.sha256(sys.executable.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(PACKAGE)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def environment() -> dict[str, str]:
    """The variables that can change how the judge judges (secret, root, store, limits …)."""
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES) and k not in ENV_IGNORED}


def send(sock: socket.socket, doc: dict) -> None:
    data = json.dumps(doc).encode()
    sock.sendall(HEADER.pack(len(data)) + data)


def _read(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def recv(sock: socket.socket) -> dict | None:
    """The next document, or None when the other side closed first."""
    head = _read(sock, HEADER.size)
    if head is None:
        return None
    body = _read(sock, HEADER.unpack(head)[0])
    return None if body is None else json.loads(body)


def connect(timeout: float = 2.0) -> socket.socket | None:
    """A connection to this JUDGE_HOME's resident judge, or None when none listens."""
    path = socket_path()
    if not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def call(request: dict, timeout: float | None = None) -> dict | None:
    """Send one request; the answer, or None when no resident judge answered it."""
    sock = connect()
    if sock is None:
        return None
    try:
        sock.settimeout(timeout)
        send(sock, {**request, "code": code_digest(), "env": environment()})
        return recv(sock)
    except OSError:
        return None
    finally:
        sock.close()
