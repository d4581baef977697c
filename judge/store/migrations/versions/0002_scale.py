"""Scale-out: submission files in the database, workers and their heartbeats, jobs know their worker.

Files of submissions stored before this revision (under JUDGE_HOME/submissions/)
are copied into ``submission_files`` when the folder is reachable; the store
still reads the folder for any it could not copy.

Revision ID: 0002
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_files",
        sa.Column("content_hash", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False))
    op.create_table(
        "workers",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer),
        sa.Column("started", sa.Float, nullable=False),
        sa.Column("heartbeat", sa.Float, nullable=False),
        sa.Column("jobs_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("refused", sa.Integer, nullable=False, server_default="0"),
        sa.Column("concurrency", sa.Integer),
        sa.Column("backend", sa.Text),
        sa.Column("image", sa.Text),
        sa.Column("problems_digest", sa.Text),
        sa.Column("problems", sa.Text))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("worker", sa.Text))
        batch.add_column(sa.Column("enqueued", sa.Float))
        batch.add_column(sa.Column("problem_digest", sa.Text))
    _copy_files_from_disk()
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA user_version = 3")  # what round 2's store read as its schema version


def _copy_files_from_disk():
    home = context.config.attributes.get("home")
    if not home:
        return
    conn = op.get_bind()
    done = set()
    rows = conn.execute(sa.text("SELECT content_hash, files FROM submissions")).fetchall()
    for content_hash, names in rows:
        folder = Path(home) / "submissions" / content_hash[:2] / content_hash
        if content_hash in done or not folder.is_dir():
            continue
        done.add(content_hash)
        for name in json.loads(names):
            path = folder / name
            if path.is_file():
                conn.execute(sa.text("INSERT INTO submission_files (content_hash, name, data) VALUES (:h, :n, :d)"),
                             {"h": content_hash, "n": name, "d": path.read_bytes()})
