"""N worker threads in the server process, claiming jobs from the store."""
from __future__ import annotations

import logging
import threading

from ..store import Store
from .base import Queue
from .work import run_job

log = logging.getLogger("judge.queue")
POLL_SECONDS = 1.0


class ThreadQueue(Queue):
    def __init__(self, store: Store, workers: int = 1, backend: str | None = None, root=None):
        self.store, self.workers, self.backend, self.root = store, max(1, workers), backend, root
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def enqueue(self, submission_id: int) -> None:
        self._wake.set()

    def start(self) -> None:
        recovered = self.store.requeue_running()
        if recovered:
            log.warning("put %d interrupted job(s) back in the queue", recovered)
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"judge-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.store.claim_job()
            except Exception as exc:  # the database does not answer: wait and look again
                log.warning("could not claim a job: %s", str(exc).splitlines()[0] if str(exc) else exc)
                self._stop.wait(POLL_SECONDS * 2)
                continue
            if job is None:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()
                continue
            self._wake.set()  # there may be more: let another worker look
            try:
                run_job(self.store, job, backend=self.backend, root=self.root)
            except Exception:  # run_job records failures itself; this is a last guard for the thread
                log.exception("job %s failed", job["id"])
