"""``judge worker``: a Celery worker that judges jobs from the broker in its own sandbox.

A message carries a job id, its submission id, the problem and the digest of
the problem package the server holds. The worker
1. refuses (and requeues) a job whose problem digest it does not have: it
   would judge against other tests;
2. claims the job in the store (attempt + 1; skips a job that is done or
   held by a live worker: a duplicate message);
3. reads the files from the store, judges, writes the result once (a stale
   attempt's write is dropped).
A heartbeat thread keeps its row in ``workers`` fresh; the server's sweeper
requeues the running jobs of a worker that falls silent.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Store, unavailable

log = logging.getLogger("judge.worker")
HEARTBEAT_SECONDS = 5.0
REFUSE_PAUSE = 2.0  # before a refused message goes back (so one worker does not spin on it)
DB_WAIT = 600.0     # how long a worker waits for the store to answer again before giving a job back


def problem_digests(root: Path) -> dict[str, str]:
    """``{problem id: digest}`` of every problem package under ``root`` (broken packages left out)."""
    from .. import problem as problems

    out = {}
    for pid in problems.list_ids(root):
        try:
            out[pid] = problems.load(pid, root).digest()
        except Exception:
            continue
    return out


def combined_digest(digests: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Worker:
    store: Store
    root: Path
    backend: str | None = None
    concurrency: int = 1
    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    lost_after: float = 30.0
    problems: dict = field(default_factory=dict)
    image: str = ""

    def describe(self) -> dict:
        return {"name": self.name, "host": socket.gethostname(), "pid": os.getpid(), "concurrency": self.concurrency,
                "backend": self.backend or "auto", "image": self.image, "problems": self.problems,
                "problems_digest": combined_digest(self.problems)}

    def prepare(self) -> None:
        """Digest the problem packages, find the sandbox and its runtime image, register."""
        from ..sandbox import get_backend

        self.problems = problem_digests(self.root)
        be = get_backend(self.backend)
        self.backend = be.name
        self.image = getattr(be, "image", "") or be.runtime_id()
        if be.name == "docker":
            self.image = f"{be.image} ({be.runtime_id().split('@', 1)[-1]})"
        self.store.register_worker(self.name, self.describe())

    def beat_forever(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                if not self.store.heartbeat(self.name):
                    self.store.register_worker(self.name, self.describe())
            except Exception as exc:
                log.warning("heartbeat not written (%s)", str(exc).splitlines()[0] if str(exc) else exc)

    def _with_store(self, fn, *args):
        """Call a store method, waiting (up to DB_WAIT) while the database does not answer."""
        deadline = time.monotonic() + DB_WAIT
        while True:
            try:
                return fn(*args)
            except Exception as exc:
                if not unavailable(exc) or time.monotonic() > deadline:
                    raise
                log.warning("store unavailable (%s); retrying", str(exc).splitlines()[0])
                time.sleep(2)

    def handle(self, job_id: int, submission_id: int, problem: str, digest: str | None) -> str:
        """Run one message; what happened: refused | skipped | judged | stale."""
        mine = self.problems.get(problem)
        if digest and mine != digest:
            log.warning("refused job %s (submission %s): problem %s is %s on the server, %s on this worker;"
                        " requeued for a worker with the same package", job_id, submission_id, problem, digest,
                        mine or "missing")
            self._with_store(self.store.count_refused, self.name)
            return "refused"
        job = self._with_store(lambda: self.store.claim_job(job_id, worker=self.name, lost_after=self.lost_after))
        if job is None:
            log.info("job %s (submission %s): done or held by a live worker; message dropped", job_id, submission_id)
            return "skipped"
        from .work import run_job

        log.info("job %s (submission %s, %s) attempt %s: judging", job_id, submission_id, problem, job["attempt"])
        t0 = time.monotonic()
        rid = run_job(self.store, dict(job, backend=self.backend), self.backend, self.root, call=self._with_store)
        verdict = "stale attempt, result dropped" if rid is None else f"result {rid}"
        log.info("job %s (submission %s): %s in %.1fs", job_id, submission_id, verdict, time.monotonic() - t0)
        return "judged" if rid is not None else "stale"


def run(broker: str, store: Store, root: Path, backend: str | None = None, concurrency: int = 1,
        name: str | None = None, echo=print, lost_after: float = 30.0) -> None:
    """Register, print what runs, heartbeat, and consume the broker's queue until stopped."""
    from celery.exceptions import Reject

    from .celery_app import QUEUE, TASK, make_app

    worker = Worker(store, root, backend, concurrency, lost_after=lost_after, **({"name": name} if name else {}))
    worker.prepare()
    info = worker.describe()
    echo(f"judge worker {info['name']} on {info['host']} (pid {info['pid']})")
    echo(f"  broker:   {_hide(broker)}")
    echo(f"  store:    {store.db_path}")
    echo(f"  sandbox:  {info['backend']}, image {info['image']}, {concurrency} job(s) at a time")
    echo(f"  problems: {len(info['problems'])}, digest {info['problems_digest']}")
    for pid, dig in sorted(info["problems"].items()):
        echo(f"    {pid:<24} {dig}")

    app = make_app(broker, root)

    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def judge_job(self, job_id, submission_id, problem, digest=None):
        if worker.handle(job_id, submission_id, problem, digest) == "refused":
            time.sleep(REFUSE_PAUSE)
            raise Reject("problem digest mismatch", requeue=True)

    stop = threading.Event()
    beat = threading.Thread(target=worker.beat_forever, args=(stop,), name="judge-heartbeat", daemon=True)
    beat.start()
    try:
        app.worker_main(["worker", "--pool=threads", f"--concurrency={concurrency}", "--loglevel=INFO",
                         "-Q", QUEUE, "-n", f"{worker.name}@%h", "--without-gossip", "--without-mingle",
                         "--without-heartbeat"])
    finally:
        stop.set()


def _hide(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
