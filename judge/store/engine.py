"""Where the store lives and how to talk to it: one SQLAlchemy engine per database URL.

SQLite (the default, ``JUDGE_HOME/judge.db``) or PostgreSQL (``--db
postgresql://…`` or ``MLJUDGE_DB``, through psycopg 3). Each URL gets one engine
per process, migrated by Alembic the first time it is opened (migrate.py).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from ..errors import UsageError

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url(home: Path, url: str | None = None) -> str:
    """``url``, else ``$MLJUDGE_DB``, else the SQLite file in ``home``; postgresql:// means psycopg 3."""
    url = url or os.environ.get("MLJUDGE_DB") or f"sqlite:///{home / 'judge.db'}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        kind = make_url(url).get_backend_name()
    except Exception:
        raise UsageError(f"--db: not a database URL: {url!r} (sqlite:///path or postgresql://user@host/db)") from None
    if kind not in ("sqlite", "postgresql"):
        raise UsageError(f"--db: the store runs on sqlite or postgresql, not {kind}")
    return url


def _sqlite_engine(url: str) -> Engine:
    # no pool: a connection per call, closed after it (an open file per idle connection would add up
    # over the many JUDGE_HOMEs of a test run); opening an SQLite file costs microseconds
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # a write transaction takes the lock at BEGIN (no deadlocked upgrades); a read does not
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def engine_for(url: str) -> Engine:
    """The process's engine for ``url``, created and migrated on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                path = make_url(url).database
                if path:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = _sqlite_engine(url)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=16, pool_recycle=1800,
                                       connect_args={"connect_timeout": 5})
            from .revision import at_head

            if not at_head(engine):
                from .migrate import upgrade

                upgrade(engine, url)
            _engines[url] = engine
        return engine


def forget(url: str) -> None:
    """Drop the process's engine for ``url`` (tests that delete a database)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()
