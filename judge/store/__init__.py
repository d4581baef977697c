"""The store: an SQLite file in ``JUDGE_HOME`` and content-addressed submission copies.

``Store`` holds submissions and results (submissions.py), the job queue
(jobs.py), tokens and invites (tokens.py); base.py opens and migrates the file.
"""
from __future__ import annotations

from .base import SCHEMA_VERSION, Database, judge_home
from .jobs import JobsMixin
from .submissions import SubmissionsMixin
from .tokens import TokensMixin, token_hash


class Store(SubmissionsMixin, JobsMixin, TokensMixin, Database):
    """Every table behind methods; safe to share between threads (a connection per thread)."""


__all__ = ["SCHEMA_VERSION", "Store", "judge_home", "token_hash"]
