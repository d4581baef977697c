"""Mutation runs that stop at the first failed test against full runs, side by side.

For each problem: a whole ``judge mutants`` run (every mutant, every variant, no cache)
with full suite runs, then with runs stopped at the mutant's first failed test
(judge/mutants/run.py ``stop_early``); wall time of each, the ratio, the sandbox runs
made and the killed / survived / equivalent counts, which must be the same both ways
(the script exits 1 and names the mutants whose fate differs otherwise).

    nice -n 5 python bench/mutants_stop_early.py [PROBLEM ...] [--jobs 1] [--variants all]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from judge import problem as problems  # noqa: E402
from judge.mutants.run import parse_variants, run  # noqa: E402
from judge.sandbox.local import LocalBackend  # noqa: E402


def counts(rep) -> str:
    return f"{rep.count('killed')}/{rep.count('survived')}/{rep.count('equivalent')}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=["gradient-descent"])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--variants", default="all")
    ns = ap.parse_args()
    os.environ.setdefault("JUDGE_HOME", tempfile.mkdtemp(prefix="jh-bench-"))
    backend = LocalBackend()
    rows, differ = [], []
    for pid in ns.problems:
        p = problems.load(pid)
        variants = parse_variants(ns.variants, p)
        full = run(p, backend, jobs=ns.jobs, variants=variants, emit=None, use_cache=False, stop_early=False)
        early = run(p, backend, jobs=ns.jobs, variants=variants, emit=None, use_cache=False, stop_early=True)
        fate = {o.mutant.id: o.status for o in full.outcomes}
        differ += [f"{pid} {o.mutant.id}: {fate.get(o.mutant.id)} → {o.status}"
                   for o in early.outcomes if fate.get(o.mutant.id) != o.status]
        rows.append((pid, full, early))
    print(f"{'problem':<18}{'mutants':>8}{'full s':>9}{'early s':>9}{'ratio':>7}{'runs full':>11}{'runs early':>11}"
          f"  killed/survived/equivalent (full | early)")
    for pid, full, early in rows:
        runs = lambda r: sum(o.judged for o in r.outcomes)  # noqa: E731
        print(f"{pid:<18}{full.generated:>8}{full.seconds:>9.0f}{early.seconds:>9.0f}"
              f"{full.seconds / max(early.seconds, 1e-9):>6.2f}x{runs(full):>11}{runs(early):>11}"
              f"  {counts(full)} | {counts(early)}")
    for line in differ:
        print(f"fate differs: {line}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
