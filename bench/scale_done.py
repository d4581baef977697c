"""Issue 18's "done when", as one run: server + PostgreSQL + Redis + two `judge worker`s judge 40
submissions across three problems; mid-way a worker is killed (kill -9) and started again, and
Redis is stopped and started; at the end every submission has exactly one result.

    python bench/scale_done.py [--submissions 40] [--backend docker|local]

Prints a line per event, then judged / lost / duplicated (must be 40 / 0 / 0), the
attempts > 1 (jobs taken over after the kill), verdicts that differ from the
sample's folder, the sweeper's resends, and the minutes it took. Exit status 0
only when nothing was lost or duplicated.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from judge.store import Store  # noqa: E402
from tests.scaleproc import Cluster, redis_db, samples  # noqa: E402
from tests.services import fresh_postgres_db, require, service  # noqa: E402

PROBLEMS = ["numpy-backprop", "gradient-descent", "quantization"]


def say(t0: float, msg: str) -> None:
    print(f"[{time.monotonic() - t0:7.1f}s] {msg}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=40)
    ap.add_argument("--backend", default="docker", choices=["docker", "local"])
    args = ap.parse_args()
    broker = redis_db(require("redis"), 9)
    db = fresh_postgres_db()
    batch = samples(REPO, PROBLEMS, per_problem={"quantization": 9})[: args.submissions]
    tmp = Path(tempfile.mkdtemp(prefix="mljudge-scale-done-"))
    cl = Cluster(tmp, db, broker)
    t0 = time.monotonic()
    try:
        cl.start()
        a = cl.worker("a", "--backend", args.backend)
        cl.worker("b", "--backend", args.backend)
        say(t0, f"server {cl.server.url}, store {db}, broker {broker}, workers a and b ({args.backend})")
        c = cl.client()
        ids = [cl.submit(c, *s) for s in batch]
        say(t0, f"submitted {len(ids)}: " + ", ".join(f"{k} {v}" for k, v in Counter(s[0] for s in batch).items()))
        store = Store(url=db)

        def done_count() -> int:
            return sum(1 for sid in ids if (store.latest_job(sid) or {}).get("state") == "done")

        while done_count() < len(ids) // 4:
            time.sleep(1)
        wait_until = time.monotonic() + 300
        while not any((j := store.latest_job(sid))["state"] == "running" and j["worker"] == "a" for sid in ids):
            if time.monotonic() > wait_until:
                break  # a is idle: kill it anyway
            time.sleep(0.2)
        held = [sid for sid in ids if store.latest_job(sid)["state"] == "running" and store.latest_job(sid)["worker"] == "a"]
        a.kill9()
        say(t0, f"{done_count()} done; kill -9 worker a while it judged submission(s) {held}")
        time.sleep(5)
        a = cl.worker("a2", "--backend", args.backend)
        say(t0, "worker a2 started in its place")
        while done_count() < len(ids) // 2:
            time.sleep(1)
        service("stop", "redis")
        say(t0, f"{done_count()} done; Redis stopped (its queue is gone: no persistence)")
        time.sleep(10)
        service("start", "redis")
        say(t0, "Redis started again, empty")
        cl.wait_all(c, ids, timeout=5400)
        minutes = (time.monotonic() - t0) / 60
        results = {sid: store.results_for(sid) for sid in ids}
        lost = [sid for sid, r in results.items() if not r]
        dup = [sid for sid, r in results.items() if len(r) > 1]
        retaken = [sid for sid, r in results.items() if r and r[0]["attempt"] > 1]
        status = {sid: c.get(f"/submissions/{sid}").json() for sid in ids}
        unexpected = [(sid, s[0], s[2], s[1], status[sid]["verdict"]) for sid, s in zip(ids, batch)
                      if status[sid]["verdict"] != s[1]]
        log = cl.server.log.read_text()
        print()
        print(f"submissions {len(ids)}  judged {len(ids) - len(lost)}  lost {len(lost)}  duplicated {len(dup)}")
        print(f"taken over after the kill (attempt > 1): {retaken}")
        print(f"sweeper: {log.count('back in the queue')} requeue(s) of a lost worker's jobs, "
              f"{log.count('sent job(s)')} resend(s) of messages the broker lost")
        print("jobs done per worker: " + ", ".join(f"{w['name']} {w['jobs_done']}"
                                                    for w in c.get('/health').json()['workers']))
        print(f"unexpected verdicts: {len(unexpected)}" + "".join(f"\n  {u}" for u in unexpected))
        print(f"time: {minutes:.1f} min, {len(ids) / minutes:.2f} submissions/min")
        return 0 if not lost and not dup else 1
    finally:
        cl.stop()


if __name__ == "__main__":
    sys.exit(main())
