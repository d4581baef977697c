"""PostgreSQL and Redis for the tests, started by scripts/services.sh on 127.0.0.1.

When a service cannot start here the test is skipped with the reason, unless
``MLJUDGE_REQUIRE_SERVICES=1`` (scripts/test.sh, CI): then it fails.
"""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "services.sh"


def service(action: str, name: str, check: bool = True) -> str:
    proc = subprocess.run(["bash", str(SCRIPT), action, name], capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise RuntimeError(f"services.sh {action} {name}: {(proc.stderr or proc.stdout).strip()[-500:]}")
    return proc.stdout.strip()


def require(name: str) -> str:
    """Start ``name`` (postgres | redis) and return its URL, or skip (fail under MLJUDGE_REQUIRE_SERVICES=1)."""
    try:
        service("start", name)
        return service("url", name)
    except Exception as exc:  # not installed, no permission, port taken...
        reason = f"{name} cannot start on this machine: {exc}"
        if os.environ.get("MLJUDGE_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " (MLJUDGE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


def fresh_postgres_db() -> str:
    """A new, empty database on the test PostgreSQL; its URL."""
    base = require("postgres")
    import psycopg

    name = "mljudge_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def drop_postgres_db(url: str) -> None:
    import psycopg

    from judge.store.engine import database_url, forget

    forget(database_url(Path("/nonexistent"), url))
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The same Store on each backend: SQLite in tmp_path, or a fresh PostgreSQL database."""
    from judge.store import Store

    if request.param == "sqlite":
        yield Store(tmp_path / "home")
        return
    url = fresh_postgres_db()
    try:
        yield Store(tmp_path / "home", url=url)
    finally:
        drop_postgres_db(url)
