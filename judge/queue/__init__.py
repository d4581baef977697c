"""The judging queue: a view of the store's jobs table behind a small interface.

``Queue.enqueue(submission_id)`` wakes a worker; workers claim jobs from the
store (``Store.claim_job``) and judge them (work.py). ``ThreadQueue`` runs N
worker threads in the server process (the embedded default); ``CeleryQueue``
(celery_queue.py, imported only with ``--broker``) publishes to Redis for
`judge worker` processes on other machines (worker.py, celery_app.py).
"""
from importlib import import_module

__all__ = ["Queue", "ThreadQueue", "run_job"]
_WHERE = {"Queue": ".base", "ThreadQueue": ".thread", "run_job": ".work"}


def __getattr__(name: str):
    """Imported on first use, so `judge worker --help` does not pay for the store and SQLAlchemy."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name], __name__), name)
