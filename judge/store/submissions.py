"""Submissions (their files in the database, content-addressed) and results (full result documents).

A submission is stored *before* it is judged, so nothing is lost and a
rejudge is always possible. Its files are rows of ``submission_files`` keyed
by the submission's content hash (stored once however often it is sent), so a
worker on another machine reads them from the database, not from a shared disk.
Each judging adds a result row; a result written for a server job is written
once per job (see jobs.py).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import insert, select

from ..errors import UsageError
from ..intake import Submission
from .schema import results, submission_files, submissions

SUB_KEYS = ("id", "problem", "created", "content_hash", "source", "label", "files", "ignored", "invalid", "owner")


class SubmissionsMixin:
    # ---- submissions -----------------------------------------------------
    def files_dir(self, content_hash: str) -> Path:
        """Where round 2 kept a submission's files on disk (read for copies the migration could not take)."""
        return self.home / "submissions" / content_hash[:2] / content_hash

    def _store_files(self, conn, sub: Submission) -> None:
        have = conn.execute(select(submission_files.c.name)
                            .where(submission_files.c.content_hash == sub.content_hash)).first()
        if have is None and sub.files:
            conn.execute(insert(submission_files), [{"content_hash": sub.content_hash, "name": name, "data": data}
                                                   for name, data in sorted(sub.files.items())])

    def add_submission(self, problem: str, sub: Submission, label: str = "", owner: int | None = None,
                       job: dict | None = None) -> int:
        """The files, the row (and, with ``job``, its queued job) in one transaction; the id."""
        with self.tx() as conn:
            self._store_files(conn, sub)
            sid = int(conn.execute(insert(submissions).values(
                problem=problem, created=time.time(), content_hash=sub.content_hash, source=sub.source, label=label,
                files=json.dumps(sorted(sub.files)), ignored=json.dumps(sub.ignored),
                invalid=json.dumps(sub.invalid), owner=owner)).inserted_primary_key[0])
            if job is not None:
                self._insert_job(conn, sid, **job)
        return sid

    def submission(self, sid: int) -> dict:
        with self.read() as conn:
            row = conn.execute(select(*[submissions.c[k] for k in SUB_KEYS]).where(submissions.c.id == sid)).first()
        if row is None:
            raise UsageError(f"no submission with id {sid} in {self.db_path}")
        rec = dict(zip(SUB_KEYS, row))
        for k in ("files", "ignored", "invalid"):
            rec[k] = json.loads(rec[k])
        return rec

    def load_submission(self, sid: int) -> Submission:
        rec = self.submission(sid)
        with self.read() as conn:
            rows = conn.execute(select(submission_files.c.name, submission_files.c.data)
                                .where(submission_files.c.content_hash == rec["content_hash"])).fetchall()
        stored = {name: bytes(data) for name, data in rows}
        folder = self.files_dir(rec["content_hash"])
        files = {}
        for name in rec["files"]:
            if name in stored:
                files[name] = stored[name]
            elif (folder / name).is_file():
                files[name] = (folder / name).read_bytes()
        return Submission(files=files, source=rec["source"], invalid=rec["invalid"], ignored=rec["ignored"])

    # ---- results -----------------------------------------------------------
    def add_result(self, sid: int, doc: dict) -> int:
        with self.tx() as conn:
            return int(conn.execute(insert(results).values(
                submission_id=sid, created=time.time(), verdict=doc["verdict"], score=doc["score"], seed=doc["seed"],
                backend=doc["backend"], problem_digest=doc.get("problem_digest", ""),
                document=json.dumps(doc))).inserted_primary_key[0])

    def latest_result(self, sid: int) -> dict:
        self.submission(sid)  # clear error for an unknown id
        rows = self.q("SELECT document FROM results WHERE submission_id = :sid ORDER BY id DESC LIMIT 1", sid=sid)
        if not rows:
            raise UsageError(f"submission {sid} has no result yet")
        return json.loads(rows[0][0])

    def find_judged(self, problem: str, content_hash: str, digest: str, seed: int) -> dict | None:
        """The latest result for the same content, problem digest and seed (for resumable batches)."""
        rows = self.q(
            "SELECT r.document FROM results r JOIN submissions s ON s.id = r.submission_id"
            " WHERE s.problem = :p AND s.content_hash = :h AND r.problem_digest = :d AND r.seed = :seed"
            " AND r.verdict != 'internal_error' ORDER BY r.id DESC LIMIT 1",
            p=problem, h=content_hash, d=digest, seed=seed)
        return json.loads(rows[0][0]) if rows else None

    def list_submissions(self, limit: int = 50, offset: int = 0, problem: str | None = None,
                         owner: int | None = None, verdict: str | None = None, sort: str = "time") -> list[dict]:
        """Newest first (or best score first), each with its latest verdict and score and job state."""
        where, args = [], {"limit": int(limit), "offset": int(offset)}
        if problem:
            where.append("s.problem = :problem"); args["problem"] = problem
        if owner is not None:
            where.append("s.owner = :owner"); args["owner"] = owner
        if verdict:
            where.append("verdict = :verdict"); args["verdict"] = verdict
        order = "score IS NULL, score DESC, s.id DESC" if sort == "score" else "s.id DESC"
        rows = self.q(
            "SELECT * FROM (SELECT s.id, s.problem, s.created, s.label, s.owner,"
            " (SELECT verdict FROM results r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1) AS verdict,"
            " (SELECT score FROM results r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1) AS score,"
            " (SELECT state FROM jobs j WHERE j.submission_id = s.id ORDER BY j.id DESC LIMIT 1) AS state"
            " FROM submissions s) s" + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} LIMIT :limit OFFSET :offset", **args)
        keys = ("id", "problem", "created", "label", "owner", "verdict", "score", "state")
        return [dict(zip(keys, r)) for r in rows]

    def count_submissions(self, owner: int | None = None, problem: str | None = None) -> int:
        q, args = "SELECT COUNT(*) FROM submissions WHERE 1=1", {}
        if owner is not None:
            q += " AND owner = :owner"; args["owner"] = owner
        if problem:
            q += " AND problem = :problem"; args["problem"] = problem
        return int(self.q(q, **args)[0][0])
