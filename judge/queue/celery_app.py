"""The Celery app both sides share: the server publishes ``judge.job`` messages, workers run them.

Delivery settings (why each):
- ``acks_late``: a message is acknowledged when its job is finished, so a
  worker that dies mid-job leaves it unacknowledged and Redis gives it back;
- prefetch 1: a worker holds no more messages than it runs;
- ``reject_on_worker_lost``: a job whose process died is requeued, not dropped;
- visibility timeout above the longest wall limit of any problem, so a job
  still running is never handed to a second worker by the broker;
- no result backend: results go to the store, written once per (job, attempt).
"""
from __future__ import annotations

from celery import Celery

QUEUE = "judge"
TASK = "judge.job"


def visibility_timeout(root=None) -> int:
    """Seconds: twice the longest ``wall_seconds`` of the problems here, and at least 10 minutes."""
    from .. import problem as problems

    longest = 0
    try:
        base = root or problems.find_root()
        for pid in problems.list_ids(base):
            try:
                longest = max(longest, int(problems.load(pid, base).limits.wall_seconds))
            except Exception:  # a broken package is verify's business, not the queue's
                continue
    except Exception:
        pass
    return max(600, 2 * longest + 60)


def make_app(broker: str, root=None) -> Celery:
    app = Celery("mljudge", broker=broker)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_backend=None,
        broker_transport_options={"visibility_timeout": visibility_timeout(root)},
        broker_connection_retry=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=3,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        task_serializer="json",
        accept_content=["json"],
    )
    return app
