"""The store's tables at the newest migration (migrations/versions/), for SQLAlchemy Core statements."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Float, ForeignKey, Integer, LargeBinary, MetaData, Table, Text)

SCHEMA_VERSION = 3  # 2: the last pre-Alembic SQLite schema (PRAGMA user_version); 3: migration 0002

meta = MetaData()

submissions = Table(
    "submissions", meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("problem", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("label", Text, nullable=False, server_default=""),
    Column("files", Text, nullable=False),    # JSON list of judged file names
    Column("ignored", Text, nullable=False),  # JSON list of names given but not judged
    Column("invalid", Text, nullable=False),  # JSON list of intake findings
    Column("owner", Integer),
)

results = Table(
    "results", meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("created", Float, nullable=False),
    Column("verdict", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("backend", Text, nullable=False),
    Column("problem_digest", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("job_id", Integer),
    Column("attempt", Integer),
)

jobs = Table(
    "jobs", meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("kind", Text, nullable=False),      # judge | rejudge
    Column("state", Text, nullable=False),     # queued | running | done
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("seed", BigInteger),
    Column("variant", Integer),
    Column("backend", Text),
    Column("created", Float, nullable=False),
    Column("started", Float),
    Column("finished", Float),
    Column("result_id", Integer),
    Column("worker", Text),          # who holds the running attempt (0002)
    Column("enqueued", Float),       # last time a message for it went to the broker (0002)
    Column("problem_digest", Text),  # the problem package the job must be judged against (0002)
)

tokens = Table(
    "tokens", meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("created", Float, nullable=False),
    Column("expires", Float),
    Column("revoked", Float),
    Column("created_by", Integer),
)

invites = Table(
    "invites", meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_id", Integer, ForeignKey("tokens.id"), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("problems", Text, nullable=False),
    Column("lang", Text, nullable=False, server_default="en"),
    Column("max_submissions", Integer),
    Column("created", Float, nullable=False),
)

submission_files = Table(  # content-addressed: one copy per submission content hash (0002)
    "submission_files", meta,
    Column("content_hash", Text, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

workers = Table(  # judge workers (Celery) and their heartbeats (0002)
    "workers", meta,
    Column("name", Text, primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer),
    Column("started", Float, nullable=False),
    Column("heartbeat", Float, nullable=False),
    Column("jobs_done", Integer, nullable=False, server_default="0"),
    Column("refused", Integer, nullable=False, server_default="0"),
    Column("concurrency", Integer),
    Column("backend", Text),
    Column("image", Text),
    Column("problems_digest", Text),
    Column("problems", Text),  # JSON {problem id: digest}
)
