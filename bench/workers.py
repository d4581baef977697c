"""Throughput of the Celery queue: submissions per minute with 1 and with 2 `judge worker`s, side by side.

One run: PostgreSQL and Redis from scripts/services.sh, `judge serve --db --broker`
and N workers (docker backend, one job at a time each) on this machine, the
same mixed batch of quick samples (numpy-backprop, gradient-descent) for N = 1
and N = 2, each on a fresh database. The workers share one JUDGE_HOME whose
reference records are computed before the clock starts, so the figures are
queue + judging, not the one-off reference runs. Prints judged/lost/duplicated
counts, minutes, submissions per minute, time-to-verdict p50/p95, and the ratio.

    python bench/workers.py [--submissions 8] [--backend docker|local] [--workers 1 2]

For `judge batch -j N` (no server) see bench/throughput.py.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.scaleproc import Cluster, redis_db, samples  # noqa: E402
from tests.services import drop_postgres_db, fresh_postgres_db, require  # noqa: E402

SECRET = "bench-workers-fixed-secret"  # the server's variant seeds, known to the warm-up below


def warm_references(home: Path, problems: list[str], backend: str) -> None:
    """Reference records for every variant of ``problems`` in ``home`` (the workers' cache)."""
    code = ("import sys\nfrom judge import problem as P\nfrom judge.reference import reference_output\n"
            "from judge.sandbox import get_backend\nbe = get_backend(sys.argv[1])\n"
            "for pid in sys.argv[2:]:\n    p = P.load(pid)\n"
            "    for v in range(p.variants):\n        reference_output(p, p.seed_for_variant(v), be)\n")
    env = {**os.environ, "JUDGE_HOME": str(home), "MLJUDGE_SECRET": SECRET, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code, backend, *problems], env=env, cwd=REPO, check=True, timeout=1800)


def run(n_workers: int, batch: list[tuple], backend: str, tmp: Path, home: Path, broker: str) -> dict:
    db = fresh_postgres_db()
    broker = redis_db(broker, 8)
    os.environ["MLJUDGE_SECRET"] = SECRET  # inherited by the server: the seeds warm_references used
    cl = Cluster(tmp / f"n{n_workers}", db, broker)
    try:
        cl.start()
        for i in range(n_workers):
            cl.worker(f"w{i + 1}", "--backend", backend, home=home)
        c = cl.client()
        t0 = time.monotonic()
        ids = [cl.submit(c, *s) for s in batch]
        done = cl.wait_all(c, ids, timeout=3600)
        minutes = (time.monotonic() - t0) / 60
        from judge.store import Store

        store = Store(url=db)
        results = [len(store.results_for(sid)) for sid in ids]
        ttv = store.verdict_times()
        wrong = sum(done[sid]["verdict"] != s[1] for sid, s in zip(ids, batch))
        return {"workers": n_workers, "judged": sum(r >= 1 for r in results), "lost": sum(r == 0 for r in results),
                "duplicated": sum(r > 1 for r in results), "unexpected_verdicts": wrong, "minutes": minutes,
                "per_minute": len(ids) / minutes, "p50": ttv["p50"], "p95": ttv["p95"]}
    finally:
        cl.stop()
        drop_postgres_db(db)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=8)
    ap.add_argument("--backend", default="docker", choices=["docker", "local"])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    broker = require("redis")
    require("postgres")
    problems = ["numpy-backprop", "gradient-descent"]
    batch = samples(REPO, problems)[: args.submissions]
    tmp = Path(tempfile.mkdtemp(prefix="mljudge-bench-workers-"))
    home = tmp / "worker-home"
    print(f"warming reference records ({', '.join(problems)}, every variant, {args.backend})...", flush=True)
    warm_references(home, problems, args.backend)
    rows = []
    for n in args.workers:
        print(f"{n} worker(s): {len(batch)} submissions...", flush=True)
        rows.append(run(n, batch, args.backend, tmp, home, broker))
    print(f"\n{len(batch)} submissions ({', '.join(problems)}), backend {args.backend}, "
          f"{os.cpu_count()} cores on this machine\n")
    print(f"{'workers':>7} {'judged':>6} {'lost':>4} {'dup':>4} {'minutes':>8} {'subs/min':>9} {'p50 s':>7} "
          f"{'p95 s':>7} {'unexpected':>10}")
    for r in rows:
        print(f"{r['workers']:>7} {r['judged']:>6} {r['lost']:>4} {r['duplicated']:>4} {r['minutes']:>8.2f} "
              f"{r['per_minute']:>9.2f} {r['p50']:>7} {r['p95']:>7} {r['unexpected_verdicts']:>10}")
    if len(rows) >= 2:
        print(f"\nratio {rows[-1]['workers']} workers / {rows[0]['workers']} worker: "
              f"{rows[-1]['per_minute'] / rows[0]['per_minute']:.2f}x submissions per minute")


if __name__ == "__main__":
    main()
