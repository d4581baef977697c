"""Jobs: the queue as a view of the store (queued → running → done).

A job is inserted in the same transaction as its submission, so an
acknowledged submission is always judged. A worker claims a job (attempt + 1);
a server that starts again puts its running jobs back in the queue. A job
writes at most one result (unique index on results.job_id), and only the
latest claim may write it: a stale attempt's result is dropped.
"""
from __future__ import annotations

import json
import time

JOB_KEYS = ("id", "submission_id", "kind", "state", "attempt", "seed", "variant", "backend", "created",
            "started", "finished", "result_id")
_SELECT = "SELECT " + ", ".join(JOB_KEYS) + " FROM jobs"


class JobsMixin:
    def _insert_job(self, db, sid: int, kind: str = "judge", seed: int | None = None,
                    variant: int | None = None, backend: str | None = None) -> int:
        cur = db.execute("INSERT INTO jobs (submission_id, kind, state, seed, variant, backend, created)"
                         " VALUES (?,?,?,?,?,?,?)", (sid, kind, "queued", seed, variant, backend, time.time()))
        return int(cur.lastrowid)

    def add_job(self, sid: int, kind: str = "judge", seed: int | None = None, variant: int | None = None,
                backend: str | None = None) -> int:
        with self.tx() as db:
            return self._insert_job(db, sid, kind, seed, variant, backend)

    def job(self, job_id: int) -> dict | None:
        row = self.db.execute(_SELECT + " WHERE id = ?", (job_id,)).fetchone()
        return dict(zip(JOB_KEYS, row)) if row else None

    def latest_job(self, sid: int) -> dict | None:
        row = self.db.execute(_SELECT + " WHERE submission_id = ? ORDER BY id DESC LIMIT 1", (sid,)).fetchone()
        return dict(zip(JOB_KEYS, row)) if row else None

    def claim_job(self) -> dict | None:
        """The oldest queued job, now running with one more attempt; None when the queue is empty."""
        with self.tx() as db:
            row = db.execute(_SELECT + " WHERE state = 'queued' ORDER BY id LIMIT 1").fetchone()
            if row is None:
                return None
            job = dict(zip(JOB_KEYS, row))
            job["attempt"] += 1
            job["state"], job["started"] = "running", time.time()
            db.execute("UPDATE jobs SET state = 'running', attempt = ?, started = ? WHERE id = ?",
                       (job["attempt"], job["started"], job["id"]))
            return job

    def requeue_running(self) -> int:
        """Put running jobs back in the queue (their worker is gone); how many."""
        with self.tx() as db:
            return db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'").rowcount

    def finish_job(self, job: dict, doc: dict) -> int | None:
        """Write the job's result once; None when this attempt is stale or the result exists."""
        with self.tx() as db:
            row = db.execute("SELECT state, attempt FROM jobs WHERE id = ?", (job["id"],)).fetchone()
            if row is None or row[0] != "running" or row[1] != job["attempt"]:
                return None
            cur = db.execute(
                "INSERT OR IGNORE INTO results (submission_id, created, verdict, score, seed, backend,"
                " problem_digest, document, job_id, attempt) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (job["submission_id"], time.time(), doc["verdict"], doc["score"], doc["seed"], doc["backend"],
                 doc.get("problem_digest", ""), json.dumps(doc), job["id"], job["attempt"]))
            rid = int(cur.lastrowid) if cur.rowcount else None
            db.execute("UPDATE jobs SET state = 'done', finished = ?, result_id = COALESCE(?, result_id)"
                       " WHERE id = ?", (time.time(), rid, job["id"]))
            return rid

    def queue_position(self, job: dict) -> int:
        """1 for the next job to run; 0 when it is running or done."""
        if job["state"] != "queued":
            return 0
        return 1 + int(self.db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND id < ?",
                                       (job["id"],)).fetchone()[0])

    def queue_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM jobs WHERE state != 'done' GROUP BY state").fetchall()
        counts = {"queued": 0, "running": 0}
        counts.update({state: n for state, n in rows})
        return counts

    def results_for(self, sid: int) -> list[dict]:
        rows = self.db.execute("SELECT id, job_id, attempt, verdict, score, created FROM results"
                               " WHERE submission_id = ? ORDER BY id", (sid,)).fetchall()
        return [dict(zip(("id", "job_id", "attempt", "verdict", "score", "created"), r)) for r in rows]
