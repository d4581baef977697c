"""The judging queue: a view of the store's jobs table behind a small interface.

``Queue.enqueue(submission_id)`` wakes a worker; workers claim jobs from the
store (``Store.claim_job``) and judge them (work.py). ``ThreadQueue`` runs N
worker threads in the server process (the embedded default); ``CeleryQueue``
(celery_queue.py, imported only with ``--broker``) publishes to Redis for
`judge worker` processes on other machines (worker.py, celery_app.py).
"""
from .base import Queue
from .thread import ThreadQueue
from .work import run_job

__all__ = ["Queue", "ThreadQueue", "run_job"]
