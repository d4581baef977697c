"""The store's database: one SQLite file in ``JUDGE_HOME``, a connection per thread, a schema version.

SQL lives only in judge/store/; callers use Store methods (a later store may be
PostgreSQL behind the same methods).
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from .. import secret

SCHEMA_VERSION = 2

BASE = """
CREATE TABLE IF NOT EXISTS submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  problem TEXT NOT NULL,
  created REAL NOT NULL,
  content_hash TEXT NOT NULL,
  source TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  files TEXT NOT NULL,        -- JSON list of judged file names
  ignored TEXT NOT NULL,      -- JSON list of names given but not judged
  invalid TEXT NOT NULL       -- JSON list of intake findings
);
CREATE TABLE IF NOT EXISTS results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  created REAL NOT NULL,
  verdict TEXT NOT NULL,
  score REAL NOT NULL,
  seed INTEGER NOT NULL,
  backend TEXT NOT NULL,
  problem_digest TEXT NOT NULL,
  document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_by_submission ON results(submission_id);
CREATE INDEX IF NOT EXISTS submissions_by_hash ON submissions(problem, content_hash);
"""

# version 2: serving (owner of a submission, jobs, tokens, invites; a result written once per job)
SERVING = """
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  kind TEXT NOT NULL,                 -- judge | rejudge
  state TEXT NOT NULL,                -- queued | running | done
  attempt INTEGER NOT NULL DEFAULT 0, -- claims so far
  seed INTEGER,
  variant INTEGER,
  backend TEXT,
  created REAL NOT NULL,
  started REAL,
  finished REAL,
  result_id INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, id);
CREATE INDEX IF NOT EXISTS jobs_by_submission ON jobs(submission_id);
CREATE UNIQUE INDEX IF NOT EXISTS results_once_per_job ON results(job_id) WHERE job_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,          -- sha256 of the token (the token itself is never stored)
  role TEXT NOT NULL,                 -- admin | interviewer | candidate
  name TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL,
  expires REAL,
  revoked REAL,
  created_by INTEGER
);
CREATE TABLE IF NOT EXISTS invites (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id INTEGER NOT NULL UNIQUE REFERENCES tokens(id),
  name TEXT NOT NULL,
  problems TEXT NOT NULL,             -- JSON list of problem ids
  lang TEXT NOT NULL DEFAULT 'en',
  max_submissions INTEGER,
  created REAL NOT NULL
);
"""

ADDED_COLUMNS = {"submissions": [("owner", "INTEGER")], "results": [("job_id", "INTEGER"), ("attempt", "INTEGER")]}


def judge_home() -> Path:
    """``JUDGE_HOME`` (judge/secret.py says where), created when missing."""
    base = secret.judge_home()
    base.mkdir(parents=True, exist_ok=True)
    return base


class Database:
    """A connection per thread to one SQLite file (WAL), migrated to SCHEMA_VERSION on open."""

    def __init__(self, home: Path | None = None):
        self.home = home or judge_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.db_path = self.home / "judge.db"
        self._local = threading.local()
        self._migrate()

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def tx(self):
        """One write transaction (BEGIN IMMEDIATE): all of it or none of it."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _migrate(self) -> None:
        with self.tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                return
            for stmt in BASE.split(";"):
                if stmt.strip():
                    db.execute(stmt)
            for table, cols in ADDED_COLUMNS.items():
                have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
                for name, kind in cols:
                    if name not in have:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            for stmt in SERVING.split(";"):
                if stmt.strip():
                    db.execute(stmt)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
