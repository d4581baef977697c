"""Judge workers (``judge worker``): who they are, what they judge with, their heartbeats."""
from __future__ import annotations

import json
import time

from sqlalchemy import insert, select, update

from .schema import workers

WORKER_KEYS = ("name", "host", "pid", "started", "heartbeat", "jobs_done", "refused", "concurrency", "backend",
               "image", "problems_digest", "problems")


class WorkersMixin:
    def register_worker(self, name: str, info: dict) -> None:
        """Insert or refresh a worker's row (its start, what it runs); counters start at 0."""
        now = time.time()
        values = {k: info.get(k) for k in ("host", "pid", "concurrency", "backend", "image", "problems_digest")}
        values["problems"] = json.dumps(info.get("problems", {}))
        with self.tx() as conn:
            done = conn.execute(update(workers).where(workers.c.name == name)
                                .values(started=now, heartbeat=now, **values)).rowcount
            if not done:
                conn.execute(insert(workers).values(name=name, started=now, heartbeat=now, jobs_done=0, refused=0,
                                                    **values))

    def heartbeat(self, name: str) -> bool:
        with self.tx() as conn:
            return conn.execute(update(workers).where(workers.c.name == name)
                                .values(heartbeat=time.time())).rowcount > 0

    def count_refused(self, name: str) -> None:
        with self.tx() as conn:
            conn.execute(update(workers).where(workers.c.name == name).values(refused=workers.c.refused + 1))

    def list_workers(self, lost_after: float = 30.0) -> list[dict]:
        """Every worker that ever registered, newest heartbeat first, with ``alive`` and ``age`` (s)."""
        with self.read() as conn:
            rows = conn.execute(select(*[workers.c[k] for k in WORKER_KEYS])
                                .order_by(workers.c.heartbeat.desc())).fetchall()
        now, out = time.time(), []
        for r in rows:
            rec = dict(zip(WORKER_KEYS, r))
            rec["problems"] = json.loads(rec["problems"] or "{}")
            rec["age"] = round(now - rec["heartbeat"], 1)
            rec["alive"] = rec["age"] <= lost_after
            out.append(rec)
        return out
