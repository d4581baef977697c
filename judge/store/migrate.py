"""Alembic upgrade to head when a store is opened (no alembic.ini: the config is built here).

PostgreSQL takes an advisory lock so two processes starting together migrate
once; SQLite serializes on its write lock (BEGIN IMMEDIATE).
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from . import legacy

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK = 727_001  # pg_advisory_xact_lock key for migrations


def config(conn, home: Path | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    cfg.attributes["home"] = str(home) if home else None
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config(None, None)).get_current_head()


def current(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, url: str) -> None:
    home = None
    if engine.dialect.name == "sqlite":
        db = make_url(url).database
        home = Path(db).parent if db else None
    with engine.connect().execution_options(write=True) as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            if current(conn) == head():
                return
            cfg = config(conn, home)
            if engine.dialect.name == "sqlite" and legacy.is_legacy(conn):
                legacy.to_v2(conn)
                command.stamp(cfg, "0001")
            command.upgrade(cfg, "head")
