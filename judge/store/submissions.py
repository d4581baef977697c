"""Submissions (content-addressed copies of their files) and results (full result documents).

A submission is copied in *before* it is judged, so nothing is lost and a
rejudge is always possible. Each judging adds a result row; a result written
for a server job is written once per job (see jobs.py).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

from ..errors import UsageError
from ..intake import Submission


class SubmissionsMixin:
    # ---- submissions -----------------------------------------------------
    def files_dir(self, content_hash: str) -> Path:
        return self.home / "submissions" / content_hash[:2] / content_hash

    def _store_files(self, sub: Submission) -> None:
        folder = self.files_dir(sub.content_hash)
        if folder.is_dir():
            return
        tmp = folder.with_name(folder.name + f".tmp{os.getpid()}.{threading.get_ident()}")
        for name, data in sub.files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
        tmp.mkdir(parents=True, exist_ok=True)
        try:
            tmp.rename(folder)
        except OSError:  # another process stored the same content first
            shutil.rmtree(tmp, ignore_errors=True)

    def add_submission(self, problem: str, sub: Submission, label: str = "", owner: int | None = None,
                       job: dict | None = None) -> int:
        """Store the files, then the row (and, with ``job``, its queued job in the same transaction)."""
        self._store_files(sub)
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO submissions (problem, created, content_hash, source, label, files, ignored, invalid, owner)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (problem, time.time(), sub.content_hash, sub.source, label,
                 json.dumps(sorted(sub.files)), json.dumps(sub.ignored), json.dumps(sub.invalid), owner),
            )
            sid = int(cur.lastrowid)
            if job is not None:
                self._insert_job(db, sid, **job)
        return sid

    def submission(self, sid: int) -> dict:
        row = self.db.execute(
            "SELECT id, problem, created, content_hash, source, label, files, ignored, invalid, owner"
            " FROM submissions WHERE id = ?", (sid,)).fetchone()
        if row is None:
            raise UsageError(f"no submission with id {sid} in {self.db_path}")
        keys = ("id", "problem", "created", "content_hash", "source", "label", "files", "ignored", "invalid", "owner")
        rec = dict(zip(keys, row))
        for k in ("files", "ignored", "invalid"):
            rec[k] = json.loads(rec[k])
        return rec

    def load_submission(self, sid: int) -> Submission:
        rec = self.submission(sid)
        folder = self.files_dir(rec["content_hash"])
        files = {name: (folder / name).read_bytes() for name in rec["files"] if (folder / name).is_file()}
        return Submission(files=files, source=rec["source"], invalid=rec["invalid"], ignored=rec["ignored"])

    # ---- results -----------------------------------------------------------
    def add_result(self, sid: int, doc: dict) -> int:
        cur = self.db.execute(
            "INSERT INTO results (submission_id, created, verdict, score, seed, backend, problem_digest, document)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (sid, time.time(), doc["verdict"], doc["score"], doc["seed"], doc["backend"],
             doc.get("problem_digest", ""), json.dumps(doc)),
        )
        return int(cur.lastrowid)

    def latest_result(self, sid: int) -> dict:
        self.submission(sid)  # clear error for an unknown id
        row = self.db.execute(
            "SELECT document FROM results WHERE submission_id = ? ORDER BY id DESC LIMIT 1", (sid,)).fetchone()
        if row is None:
            raise UsageError(f"submission {sid} has no result yet")
        return json.loads(row[0])

    def find_judged(self, problem: str, content_hash: str, digest: str, seed: int) -> dict | None:
        """The latest result for the same content, problem digest and seed (for resumable batches)."""
        row = self.db.execute(
            "SELECT r.document FROM results r JOIN submissions s ON s.id = r.submission_id"
            " WHERE s.problem = ? AND s.content_hash = ? AND r.problem_digest = ? AND r.seed = ?"
            " AND r.verdict != 'internal_error' ORDER BY r.id DESC LIMIT 1",
            (problem, content_hash, digest, seed)).fetchone()
        return json.loads(row[0]) if row else None

    def list_submissions(self, limit: int = 50, offset: int = 0, problem: str | None = None,
                         owner: int | None = None, verdict: str | None = None, sort: str = "time") -> list[dict]:
        """Newest first (or best score first), each with its latest verdict and score and job state."""
        where, args = [], []
        if problem:
            where.append("s.problem = ?"); args.append(problem)
        if owner is not None:
            where.append("s.owner = ?"); args.append(owner)
        if verdict:
            where.append("verdict = ?"); args.append(verdict)
        order = "score IS NULL, score DESC, s.id DESC" if sort == "score" else "s.id DESC"
        rows = self.db.execute(
            "SELECT * FROM (SELECT s.id, s.problem, s.created, s.label, s.owner,"
            " (SELECT verdict FROM results r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1) AS verdict,"
            " (SELECT score FROM results r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1) AS score,"
            " (SELECT state FROM jobs j WHERE j.submission_id = s.id ORDER BY j.id DESC LIMIT 1) AS state"
            " FROM submissions s) s" + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} LIMIT ? OFFSET ?", (*args, int(limit), int(offset))).fetchall()
        keys = ("id", "problem", "created", "label", "owner", "verdict", "score", "state")
        return [dict(zip(keys, r)) for r in rows]

    def count_submissions(self, owner: int | None = None, problem: str | None = None) -> int:
        q, args = "SELECT COUNT(*) FROM submissions WHERE 1=1", []
        if owner is not None:
            q += " AND owner = ?"; args.append(owner)
        if problem:
            q += " AND problem = ?"; args.append(problem)
        return int(self.db.execute(q, args).fetchone()[0])
