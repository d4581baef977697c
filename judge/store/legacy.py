"""SQLite files made before the store moved to Alembic (``PRAGMA user_version`` 0–2).

They are brought to the round-2 serving schema (version 2) in place, as the
round-2 store did, and then stamped with the Alembic baseline (0001); the
newer migrations run on them like on any database.
"""
from __future__ import annotations

from sqlalchemy import inspect, text

V1 = """
CREATE TABLE IF NOT EXISTS submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, problem TEXT NOT NULL, created REAL NOT NULL, content_hash TEXT NOT NULL,
  source TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', files TEXT NOT NULL, ignored TEXT NOT NULL,
  invalid TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
  id INTEGER PRIMARY KEY AUTOINCREMENT, submission_id INTEGER NOT NULL REFERENCES submissions(id),
  created REAL NOT NULL, verdict TEXT NOT NULL, score REAL NOT NULL, seed INTEGER NOT NULL, backend TEXT NOT NULL,
  problem_digest TEXT NOT NULL, document TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS results_by_submission ON results(submission_id);
CREATE INDEX IF NOT EXISTS submissions_by_hash ON submissions(problem, content_hash)
"""
V2 = """
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, submission_id INTEGER NOT NULL REFERENCES submissions(id),
  kind TEXT NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, seed INTEGER, variant INTEGER,
  backend TEXT, created REAL NOT NULL, started REAL, finished REAL, result_id INTEGER);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, id);
CREATE INDEX IF NOT EXISTS jobs_by_submission ON jobs(submission_id);
CREATE UNIQUE INDEX IF NOT EXISTS results_once_per_job ON results(job_id) WHERE job_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL, expires REAL, revoked REAL, created_by INTEGER);
CREATE TABLE IF NOT EXISTS invites (
  id INTEGER PRIMARY KEY AUTOINCREMENT, token_id INTEGER NOT NULL UNIQUE REFERENCES tokens(id), name TEXT NOT NULL,
  problems TEXT NOT NULL, lang TEXT NOT NULL DEFAULT 'en', max_submissions INTEGER, created REAL NOT NULL)
"""
ADDED_COLUMNS = {"submissions": [("owner", "INTEGER")], "results": [("job_id", "INTEGER"), ("attempt", "INTEGER")]}


def is_legacy(conn) -> bool:
    """An SQLite file with the judge's tables and no Alembic version table."""
    names = set(inspect(conn).get_table_names())
    return "alembic_version" not in names and "submissions" in names


def to_v2(conn) -> None:
    """Bring a pre-Alembic SQLite store to schema 2 (idempotent)."""
    if conn.exec_driver_sql("PRAGMA user_version").scalar() >= 2:
        return
    for stmt in V1.split(";"):
        conn.exec_driver_sql(stmt)
    for table, cols in ADDED_COLUMNS.items():
        have = {r[1] for r in conn.execute(text(f"PRAGMA table_info({table})"))}
        for name, kind in cols:
            if name not in have:
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    for stmt in V2.split(";"):
        conn.exec_driver_sql(stmt)
    conn.exec_driver_sql("PRAGMA user_version = 2")
