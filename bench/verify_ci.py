"""What CI's `judge verify` costs per problem: every sample judged (the full check) against
`--use-lock` (samples on record in a current verify.lock not judged again), side by side,
and what that means for a bank three times as large.

For each problem (default: all), with CI's fixed secret and the docker backend with warm
sandboxes, as tests/test_problems.py runs it: `verify_problem(..., jobs=0)` once with
``use_lock=False`` and once with ``use_lock=True``, alternating which goes first, each in a
fresh JUDGE_HOME (no cached reference records, as in CI). Prints both wall times and the
ratio per problem, the totals, and the totals times three (the issue's "room for the bank to
triple"). A problem without a current verify.lock shows ratio ~1: write one with
`MLJUDGE_SECRET=mljudge-test-verify judge verify ID -j 0 --write-lock`.

    python bench/verify_ci.py [PROBLEM ...]

Run it on a quiet machine: every figure is wall time.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SECRET = "mljudge-test-verify"  # tests/test_problems.py's


def one(p, backend, use_lock: bool) -> tuple[float, int]:
    from judge.verify import verify_problem

    os.environ["JUDGE_HOME"] = tempfile.mkdtemp(prefix="mljudge-bench-verify-")
    t = time.perf_counter()
    try:
        found = verify_problem(p, backend, jobs=0, emit_line=None, strict_mutants=True, use_lock=use_lock)
    finally:
        backend.release()
    took = time.perf_counter() - t
    errors = [f.line() for f in found if f.level == "error"]
    if errors:
        raise SystemExit("\n".join(errors))
    return took, sum("not judged again" in f.text for f in found)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*")
    ns = ap.parse_args()
    os.environ["MLJUDGE_SECRET"] = SECRET
    from judge import problem as problems
    from judge.sandbox import get_backend, warm

    backend = get_backend("docker", warm="1")
    ids = ns.problems or problems.list_ids(REPO)
    print(f"{'problem':28} {'full s':>8} {'use-lock s':>10} {'ratio':>6}  lock")
    total_full = total_lock = 0.0
    try:
        for i, pid in enumerate(ids):
            p = problems.load(pid, REPO)
            order = (False, True) if i % 2 == 0 else (True, False)
            got = {}
            for use_lock in order:
                got[use_lock] = one(p, backend, use_lock)
            full, (locked, used) = got[False][0], got[True]
            total_full += full
            total_lock += locked
            print(f"{pid:28} {full:8.1f} {locked:10.1f} {locked / full:6.2f}  {'current' if used else 'stale/none'}",
                  flush=True)
    finally:
        warm.close_all()
    n = len(ids)
    print(f"{'total (' + str(n) + ' problems)':28} {total_full:8.1f} {total_lock:10.1f} {total_lock / total_full:6.2f}")
    print(f"{'x3 (' + str(3 * n) + ' such problems)':28} {3 * total_full:8.1f} {3 * total_lock:10.1f}"
          f"   minutes: {3 * total_full / 60:.1f} full, {3 * total_lock / 60:.1f} with locks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
