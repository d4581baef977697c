"""The server side of the Celery queue: publish a job's message, and a sweeper that loses nothing.

The store's jobs table stays the truth; a broker message only says "judge job
N". So the sweeper can repair what a broker loses:
- a running job whose worker stopped sending heartbeats goes back to queued
  and is published again (the worker was killed, its machine lost);
- queued jobs are published again when the broker holds fewer messages than
  the store has queued jobs (Redis flushed or restarted without its data, or
  the server died between storing and publishing).
A message delivered twice is harmless: the worker claims the job in the store
first, and a job that is done or held by a live worker is skipped.
"""
from __future__ import annotations

import logging
import threading
import time

from ..store import Store
from .base import Queue
from .celery_app import QUEUE, TASK, make_app

log = logging.getLogger("judge.queue")


class CeleryQueue(Queue):
    def __init__(self, store: Store, broker: str, root=None, sweep_seconds: float = 10.0,
                 lost_after: float = 30.0, resend_after: float = 30.0):
        self.store, self.broker, self.root = store, broker, root
        self.sweep_seconds, self.lost_after, self.resend_after = sweep_seconds, lost_after, resend_after
        self.app = make_app(broker, root)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_sweep: dict = {}

    # ---- publishing ----------------------------------------------------------
    def _publish(self, job: dict, problem: str) -> bool:
        try:
            self.app.send_task(TASK, args=[job["id"], job["submission_id"], problem, job.get("problem_digest")],
                               queue=QUEUE, retry=False)
        except Exception as exc:  # broker down: the job is in the store; the sweeper sends it later
            log.warning("could not publish job %s (%s); the sweeper will send it again", job["id"],
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return False
        self.store.mark_enqueued([job["id"]])
        return True

    def enqueue(self, submission_id: int) -> None:
        job = self.store.latest_job(submission_id)
        if job is not None and job["state"] == "queued":
            self._publish(job, self.store.submission(submission_id)["problem"])

    def broker_length(self) -> int | None:
        """Messages waiting in the broker's queue (None when the broker does not answer)."""
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1)
                return int(conn.default_channel.client.llen(QUEUE))
        except Exception:
            return None

    # ---- the sweeper -----------------------------------------------------------
    def sweep(self) -> dict:
        """One pass: requeue jobs of lost workers, publish again what the broker lost; what it did."""
        lost = self.store.requeue_lost(self.lost_after)
        if lost:
            log.warning("worker(s) silent for %ss: job(s) %s back in the queue", self.lost_after, lost)
        queued = self.store.queued_jobs()
        waiting = self.broker_length()
        resent = []
        if waiting is not None:
            # as many messages as are missing, for the jobs most likely without one: never sent first,
            # then the longest since sent (a worker taking a message before it claims the job makes
            # the count one short for a moment: at most that many duplicates, which are skipped)
            cutoff = time.time() - self.resend_after
            missing = max(0, len(queued) - waiting)
            candidates = sorted((j for j in queued if j["id"] in lost or j["enqueued"] is None
                                 or j["enqueued"] < cutoff),
                                key=lambda j: (j["id"] not in lost, j["enqueued"] is not None, j["enqueued"] or 0))
            for job in candidates[:max(missing, len(lost))]:
                if self._publish(job, self.store.submission(job["submission_id"])["problem"]):
                    resent.append(job["id"])
            if resent:
                log.warning("broker held %d message(s) for %d queued job(s): sent job(s) %s again", waiting,
                            len(queued), resent)
        self.last_sweep = {"time": time.time(), "lost": lost, "resent": resent, "broker_waiting": waiting,
                           "queued": len(queued)}
        return self.last_sweep

    def _loop(self) -> None:
        while not self._stop.wait(self.sweep_seconds):
            try:
                self.sweep()
            except Exception as exc:  # the store or the broker is down: try again next round
                log.warning("sweep failed: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="judge-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
