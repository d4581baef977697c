"""The store: SQLite in ``JUDGE_HOME`` by default, PostgreSQL with ``--db``/``MLJUDGE_DB``, via SQLAlchemy.

``Store`` holds submissions, their files and results (submissions.py), the job
queue (jobs.py), tokens and invites (tokens.py) and judge workers (workers.py);
base.py and engine.py connect, migrate.py runs the Alembic migrations.
"""
from __future__ import annotations

from .base import SCHEMA_VERSION, Database, StoreUnavailable, judge_home, unavailable
from .jobs import JobsMixin
from .submissions import SubmissionsMixin
from .tokens import TokensMixin, token_hash
from .workers import WorkersMixin


class Store(SubmissionsMixin, JobsMixin, TokensMixin, WorkersMixin, Database):
    """Every table behind methods; safe to share between threads (a pooled engine per database URL)."""


__all__ = ["SCHEMA_VERSION", "Store", "StoreUnavailable", "judge_home", "token_hash", "unavailable"]
