"""Baseline: the serving schema (round 2's SQLite ``user_version`` 2), on any database.

An SQLite file made before Alembic is brought to this schema by
judge/store/legacy.py and stamped with this revision instead of running it.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("ignored", sa.Text, nullable=False),
        sa.Column("invalid", sa.Text, nullable=False),
        sa.Column("owner", sa.Integer))
    op.create_table(
        "results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("backend", sa.Text, nullable=False),
        sa.Column("problem_digest", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("job_id", sa.Integer),
        sa.Column("attempt", sa.Integer))
    op.create_index("results_by_submission", "results", ["submission_id"])
    op.create_index("submissions_by_hash", "submissions", ["problem", "content_hash"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seed", sa.BigInteger),
        sa.Column("variant", sa.Integer),
        sa.Column("backend", sa.Text),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("started", sa.Float),
        sa.Column("finished", sa.Float),
        sa.Column("result_id", sa.Integer))
    op.create_index("jobs_by_state", "jobs", ["state", "id"])
    op.create_index("jobs_by_submission", "jobs", ["submission_id"])
    op.create_index("results_once_per_job", "results", ["job_id"], unique=True,
                    sqlite_where=sa.text("job_id IS NOT NULL"), postgresql_where=sa.text("job_id IS NOT NULL"))
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hash", sa.Text, nullable=False, unique=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("expires", sa.Float),
        sa.Column("revoked", sa.Float),
        sa.Column("created_by", sa.Integer))
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_id", sa.Integer, sa.ForeignKey("tokens.id"), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("lang", sa.Text, nullable=False, server_default="en"),
        sa.Column("max_submissions", sa.Integer),
        sa.Column("created", sa.Float, nullable=False))
