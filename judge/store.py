"""The store: an SQLite file and content-addressed submission copies.

Lives in ``JUDGE_HOME`` (default ``~/.local/share/mljudge``). A submission is
copied in *before* it is judged, so nothing is lost and a rejudge is always
possible. Each judging adds a result row holding the full result document.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from .errors import UsageError
from .intake import Submission

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  problem TEXT NOT NULL,
  created REAL NOT NULL,
  content_hash TEXT NOT NULL,
  source TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  files TEXT NOT NULL,        -- JSON list of judged file names
  ignored TEXT NOT NULL,      -- JSON list of names given but not judged
  invalid TEXT NOT NULL       -- JSON list of intake findings
);
CREATE TABLE IF NOT EXISTS results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  created REAL NOT NULL,
  verdict TEXT NOT NULL,
  score REAL NOT NULL,
  seed INTEGER NOT NULL,
  backend TEXT NOT NULL,
  problem_digest TEXT NOT NULL,
  document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_by_submission ON results(submission_id);
CREATE INDEX IF NOT EXISTS submissions_by_hash ON submissions(problem, content_hash);
"""


def judge_home() -> Path:
    env = os.environ.get("JUDGE_HOME")
    base = Path(env) if env else Path.home() / ".local" / "share" / "mljudge"
    base.mkdir(parents=True, exist_ok=True)
    return base


class Store:
    def __init__(self, home: Path | None = None):
        self.home = home or judge_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.db_path = self.home / "judge.db"
        self.db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # ---- submissions -----------------------------------------------------
    def files_dir(self, content_hash: str) -> Path:
        return self.home / "submissions" / content_hash[:2] / content_hash

    def add_submission(self, problem: str, sub: Submission, label: str = "") -> int:
        folder = self.files_dir(sub.content_hash)
        if not folder.is_dir():
            tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
            for name, data in sub.files.items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_bytes(data)
            tmp.mkdir(parents=True, exist_ok=True)
            try:
                tmp.rename(folder)
            except OSError:  # another process stored the same content first
                pass
        cur = self.db.execute(
            "INSERT INTO submissions (problem, created, content_hash, source, label, files, ignored, invalid)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (problem, time.time(), sub.content_hash, sub.source, label,
             json.dumps(sorted(sub.files)), json.dumps(sub.ignored), json.dumps(sub.invalid)),
        )
        return int(cur.lastrowid)

    def submission(self, sid: int) -> dict:
        row = self.db.execute(
            "SELECT id, problem, created, content_hash, source, label, files, ignored, invalid"
            " FROM submissions WHERE id = ?", (sid,)).fetchone()
        if row is None:
            raise UsageError(f"no submission with id {sid} in {self.db_path}")
        keys = ("id", "problem", "created", "content_hash", "source", "label", "files", "ignored", "invalid")
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

    def list_submissions(self, limit: int = 50) -> list[dict]:
        rows = self.db.execute(
            "SELECT s.id, s.problem, s.created, s.label,"
            " (SELECT verdict FROM results r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1),"
            " (SELECT score FROM results r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1)"
            " FROM submissions s ORDER BY s.id DESC LIMIT ?", (limit,)).fetchall()
        keys = ("id", "problem", "created", "label", "verdict", "score")
        return [dict(zip(keys, r)) for r in rows]
