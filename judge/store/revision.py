"""Is a database at the newest migration? Answered without importing Alembic
(a third of a second at every CLI start): the one row of ``alembic_version``
against ``HEAD``, the newest revision in migrations/versions/ (a test holds
the two equal). Only a database that is not at ``HEAD`` goes to migrate.py.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

HEAD = "0002"


def at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    except DBAPIError:  # no table yet, or no answer: migrate.py says which, and acts
        return False
    return [r[0] for r in rows] == [HEAD]
