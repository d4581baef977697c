"""The store's database behind SQLAlchemy: an engine per URL, write transactions, reads, errors.

SQL lives only in judge/store/; callers use Store methods. The same methods
run on SQLite (default: ``JUDGE_HOME/judge.db``) and PostgreSQL (``--db`` /
``MLJUDGE_DB``); Alembic migrates either on open (migrate.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from .. import secret
from ..errors import InternalError
from .engine import database_url, engine_for
from .schema import SCHEMA_VERSION


class StoreUnavailable(Exception):
    """The database does not answer (restarting, unreachable): try again later."""


def judge_home() -> Path:
    """``JUDGE_HOME`` (judge/secret.py says where), created when missing."""
    base = secret.judge_home()
    base.mkdir(parents=True, exist_ok=True)
    return base


def unavailable(exc: BaseException) -> bool:
    """True for errors that mean the database is not reachable now (not a bug in a statement)."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class Database:
    """Connections from one pooled engine; safe to share between threads."""

    def __init__(self, home: Path | None = None, url: str | None = None):
        self.home = home or judge_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.url = database_url(self.home, url)
        try:
            self.engine = engine_for(self.url)
        except Exception as exc:
            if not unavailable(exc):
                raise
            from sqlalchemy.engine import make_url

            where = make_url(self.url).render_as_string(hide_password=True)
            first = (str(exc.orig) if getattr(exc, "orig", None) else str(exc)).strip().splitlines()[0]
            raise InternalError(f"the store at {where} does not answer: {first}") from None
        self.dialect = self.engine.dialect.name

    @property
    def db_path(self) -> str:
        """Where the store is, for messages (the password of a URL is hidden)."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Nothing to do: connections go back to the process's pool after each call."""

    @contextmanager
    def tx(self):
        """One write transaction: all of it or none of it (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.connect().execution_options(write=True) as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def read(self):
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def q(self, sql: str, **params):
        """Run one read statement; its rows."""
        with self.read() as conn:
            return conn.execute(text(sql), params).fetchall()

    def schema_version(self) -> str:
        from .migrate import current

        with self.read() as conn:
            return current(conn)

    def ping(self) -> None:
        """Raise StoreUnavailable when the database does not answer."""
        try:
            self.q("SELECT 1")
        except Exception as exc:
            if unavailable(exc):
                raise StoreUnavailable(str(exc).splitlines()[0]) from None
            raise


__all__ = ["SCHEMA_VERSION", "Database", "StoreUnavailable", "judge_home", "unavailable"]
