"""Alembic migrations of the store (run by judge/store/migrate.py on open; no alembic.ini needed)."""
