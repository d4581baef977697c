"""The installation's secret, and the variant seeds derived from it.

A variant's seed is ``HMAC-SHA256(secret, "<problem id>:<version>:<variant>")``
cut to 31 bits, so a public problem bank does not let a candidate compute the
inputs of the hidden tests ahead of time. The secret is 32 random bytes created
on first use as ``JUDGE_HOME/secret.key`` (mode 0600); ``MLJUDGE_SECRET``
overrides it, for deployments whose machines must agree on the seeds. Stored
results keep the seed they were judged on, so a rejudge never needs the secret.

Nothing here imports the store (``judge.problem`` uses this module).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _random
from pathlib import Path

from .errors import UsageError

ENV = "MLJUDGE_SECRET"
FILE_NAME = "secret.key"
SIZE = 32


def judge_home() -> Path:
    """``JUDGE_HOME``, as the store reads it (default ``~/.local/share/mljudge``)."""
    env = os.environ.get("JUDGE_HOME")
    return Path(env) if env else Path.home() / ".local" / "share" / "mljudge"


def key_path(home: Path | None = None) -> Path:
    return (home or judge_home()) / FILE_NAME


def _create(path: Path) -> None:
    """Write a new key next to ``path`` and link it into place: concurrent first
    uses (threads or processes) all end up reading the one that got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{_random.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_random.token_bytes(SIZE))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def key(home: Path | None = None) -> bytes:
    """The secret: ``MLJUDGE_SECRET`` if set, else ``JUDGE_HOME/secret.key`` (made on first use)."""
    env = os.environ.get(ENV)
    if env:
        return env.encode()
    path = key_path(home)
    if not path.exists():
        _create(path)
    data = path.read_bytes()
    if len(data) != SIZE:
        raise UsageError(f"{path} holds {len(data)} bytes, not {SIZE}: restore it from a backup, or delete it "
                         "to make a new one (new variant seeds; stored results keep theirs)")
    return data


def variant_seed(problem_id: str, version: int, variant: int, home: Path | None = None) -> int:
    """The seed of one variant of one problem version, for this installation."""
    mac = hmac.new(key(home), f"{problem_id}:{version}:{variant}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:4], "big") & 0x7FFFFFFF
