"""Alembic environment: the connection comes from judge/store/migrate.py (config.attributes)."""
from alembic import context

from judge.store.schema import meta

conn = context.config.attributes["connection"]
context.configure(connection=conn, target_metadata=meta, render_as_batch=conn.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
