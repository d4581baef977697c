"""Jobs: the queue as a view of the store (queued → running → done).

A job is inserted in the same transaction as its submission, so an
acknowledged submission is always judged. A worker claims a job (attempt + 1,
its name recorded); a job whose worker is gone goes back to the queue. A job
writes at most one result (unique index on results.job_id), and only the
latest claim may write it: a stale attempt's result is dropped. So a message
delivered twice, or a job taken over from a lost worker, never leaves two results.
"""
from __future__ import annotations

import json
import time

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .schema import jobs, results, workers

JOB_KEYS = ("id", "submission_id", "kind", "state", "attempt", "seed", "variant", "backend", "created",
            "started", "finished", "result_id", "worker", "enqueued", "problem_digest")
_COLS = [jobs.c[k] for k in JOB_KEYS]


def _job(row) -> dict | None:
    return dict(zip(JOB_KEYS, row)) if row is not None else None


class JobsMixin:
    def _insert_job(self, conn, sid: int, kind: str = "judge", seed: int | None = None,
                    variant: int | None = None, backend: str | None = None, problem_digest: str | None = None) -> int:
        res = conn.execute(insert(jobs).values(submission_id=sid, kind=kind, state="queued", attempt=0, seed=seed,
                                               variant=variant, backend=backend, created=time.time(),
                                               problem_digest=problem_digest))
        return int(res.inserted_primary_key[0])

    def add_job(self, sid: int, kind: str = "judge", seed: int | None = None, variant: int | None = None,
                backend: str | None = None, problem_digest: str | None = None) -> int:
        with self.tx() as conn:
            return self._insert_job(conn, sid, kind, seed, variant, backend, problem_digest)

    def job(self, job_id: int) -> dict | None:
        with self.read() as conn:
            return _job(conn.execute(select(*_COLS).where(jobs.c.id == job_id)).first())

    def latest_job(self, sid: int) -> dict | None:
        with self.read() as conn:
            return _job(conn.execute(select(*_COLS).where(jobs.c.submission_id == sid)
                                     .order_by(jobs.c.id.desc()).limit(1)).first())

    def _holder_lost(self, conn, job: dict, lost_after: float | None) -> bool:
        if job["worker"] is None:
            return lost_after is not None and (job["started"] or 0) < time.time() - lost_after
        if lost_after is None:
            return False
        beat = conn.execute(select(workers.c.heartbeat).where(workers.c.name == job["worker"])).scalar()
        return beat is None or beat < time.time() - lost_after

    def claim_job(self, job_id: int | None = None, worker: str | None = None,
                  lost_after: float | None = None) -> dict | None:
        """Take a job: the oldest queued one, or job ``job_id`` (a broker message). ``job_id`` is
        taken when queued, or running on this ``worker`` (a redelivery after its restart) or on a
        worker silent for ``lost_after`` seconds; None when it is done or held by a live worker."""
        with self.tx() as conn:
            q = select(*_COLS).with_for_update(skip_locked=job_id is None)
            if job_id is None:
                q = q.where(jobs.c.state == "queued").order_by(jobs.c.id).limit(1)
            else:
                q = q.where(jobs.c.id == job_id)
            job = _job(conn.execute(q).first())
            if job is None or job["state"] == "done":
                return None
            if job["state"] == "running" and not (worker is not None and job["worker"] == worker) \
                    and not self._holder_lost(conn, job, lost_after):
                return None
            job.update(attempt=job["attempt"] + 1, state="running", started=time.time(), worker=worker)
            conn.execute(update(jobs).where(jobs.c.id == job["id"])
                         .values(state="running", attempt=job["attempt"], started=job["started"], worker=worker))
            return job

    def release_job(self, job: dict) -> bool:
        """Give a claimed job back to the queue (a worker refused it); False if it moved on meanwhile."""
        with self.tx() as conn:
            return conn.execute(update(jobs).where(jobs.c.id == job["id"], jobs.c.state == "running",
                                                   jobs.c.attempt == job["attempt"])
                                .values(state="queued", worker=None)).rowcount > 0

    def requeue_running(self, worker: str | None = None) -> int:
        """Put running jobs (all, or ``worker``'s) back in the queue (their worker is gone); how many."""
        q = update(jobs).where(jobs.c.state == "running")
        if worker is not None:
            q = q.where(jobs.c.worker == worker)
        with self.tx() as conn:
            return conn.execute(q.values(state="queued", worker=None)).rowcount

    def requeue_lost(self, lost_after: float) -> list[int]:
        """Running jobs whose worker sent no heartbeat for ``lost_after`` seconds go back to the queue."""
        cutoff = time.time() - lost_after
        with self.tx() as conn:
            rows = conn.execute(
                select(jobs.c.id).select_from(jobs.outerjoin(workers, workers.c.name == jobs.c.worker))
                .where(jobs.c.state == "running", jobs.c.worker.is_not(None),
                       (workers.c.heartbeat.is_(None)) | (workers.c.heartbeat < cutoff))).fetchall()
            ids = [r[0] for r in rows]
            if ids:
                conn.execute(update(jobs).where(jobs.c.id.in_(ids), jobs.c.state == "running")
                             .values(state="queued", worker=None))
            return ids

    def queued_jobs(self, enqueued_before: float | None = None) -> list[dict]:
        """Queued jobs, oldest first (only those last sent to a broker before ``enqueued_before``)."""
        q = select(*_COLS).where(jobs.c.state == "queued").order_by(jobs.c.id)
        if enqueued_before is not None:
            q = q.where((jobs.c.enqueued.is_(None)) | (jobs.c.enqueued < enqueued_before))
        with self.read() as conn:
            return [_job(r) for r in conn.execute(q).fetchall()]

    def mark_enqueued(self, job_ids: list[int]) -> None:
        if job_ids:
            with self.tx() as conn:
                conn.execute(update(jobs).where(jobs.c.id.in_(job_ids)).values(enqueued=time.time()))

    def finish_job(self, job: dict, doc: dict) -> int | None:
        """Write the job's result once; None when this attempt is stale or the result exists."""
        with self.tx() as conn:
            row = conn.execute(select(jobs.c.state, jobs.c.attempt).where(jobs.c.id == job["id"])
                               .with_for_update()).first()
            if row is None or row[0] != "running" or row[1] != job["attempt"]:
                return None
            try:
                with conn.begin_nested():
                    rid = conn.execute(insert(results).values(
                        submission_id=job["submission_id"], created=time.time(), verdict=doc["verdict"],
                        score=doc["score"], seed=doc["seed"], backend=doc["backend"],
                        problem_digest=doc.get("problem_digest", ""), document=json.dumps(doc), job_id=job["id"],
                        attempt=job["attempt"])).inserted_primary_key[0]
            except IntegrityError:
                rid = None
            conn.execute(update(jobs).where(jobs.c.id == job["id"])
                         .values(state="done", finished=time.time(),
                                 result_id=func.coalesce(rid, jobs.c.result_id)))
            if rid is not None and job.get("worker"):
                conn.execute(update(workers).where(workers.c.name == job["worker"])
                             .values(jobs_done=workers.c.jobs_done + 1))
            return int(rid) if rid is not None else None

    def queue_position(self, job: dict) -> int:
        """1 for the next job to run; 0 when it is running or done."""
        if job["state"] != "queued":
            return 0
        with self.read() as conn:
            n = conn.execute(select(func.count()).select_from(jobs)
                             .where(jobs.c.state == "queued", jobs.c.id < job["id"])).scalar()
        return 1 + int(n)

    def queue_counts(self) -> dict[str, int]:
        rows = self.q("SELECT state, COUNT(*) FROM jobs WHERE state != 'done' GROUP BY state")
        counts = {"queued": 0, "running": 0}
        counts.update({state: int(n) for state, n in rows})
        return counts

    def verdict_times(self, last: int = 200) -> dict:
        """Time to verdict (submission stored → result written) of the last ``last`` jobs: count, p50, p95, max."""
        rows = self.q("SELECT finished - created FROM jobs WHERE state = 'done' AND finished IS NOT NULL"
                      " ORDER BY finished DESC LIMIT :n", n=int(last))
        secs = sorted(float(r[0]) for r in rows)
        if not secs:
            return {"count": 0, "p50": None, "p95": None, "max": None}

        def pct(p):
            return round(secs[min(len(secs) - 1, int(p * (len(secs) - 1) + 0.5))], 2)

        return {"count": len(secs), "p50": pct(0.5), "p95": pct(0.95), "max": round(secs[-1], 2)}

    def results_for(self, sid: int) -> list[dict]:
        rows = self.q("SELECT id, job_id, attempt, verdict, score, created FROM results"
                      " WHERE submission_id = :sid ORDER BY id", sid=sid)
        return [dict(zip(("id", "job_id", "attempt", "verdict", "score", "created"), r)) for r in rows]
