"""Mutation runs that stop at the first failed test against full runs, side by side.

For each problem, every non-equivalent mutant is judged (no cache) with full suite runs
and with runs stopped at its first failed test (judge/mutants/run.py ``stop_early``),
the two interleaved mutant by mutant (which goes first alternates) so that the load of
a shared machine weighs on both alike. A mutant's variants are judged until one kills
it, as ``judge mutants`` does. Printed: the summed wall time of each way, the ratio,
the sandbox runs made and the killed / survived counts, which must be the same both
ways (the script exits 1 and names the mutants whose fate differs otherwise).

    nice -n 5 python bench/mutants_stop_early.py [PROBLEM ...] [--variants all] [--limit N]
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

from judge import problem as problems  # noqa: E402
from judge.mutants import catalogue  # noqa: E402
from judge.mutants.run import all_mutants, judge_mutant, parse_variants  # noqa: E402
from judge.reference import reference_output  # noqa: E402
from judge.sandbox.local import LocalBackend  # noqa: E402


def fate(p, backend, m, variants, stop_early) -> tuple[str, float, int]:
    """(killed | survived, seconds, sandbox runs) of one mutant judged one way."""
    took, runs = 0.0, 0
    for v in variants:
        t = time.perf_counter()
        res, _ = judge_mutant(p, backend, m, p.seed_for_variant(v), v, use_cache=False, stop_early=stop_early)
        took, runs = took + time.perf_counter() - t, runs + 1
        if res["killed"]:
            return "killed", took, runs
    return "survived", took, runs


def bench(pid: str, backend, variants_spec: str, limit: int | None):
    p = problems.load(pid)
    variants = parse_variants(variants_spec, p)
    cat = catalogue.load(p)
    mutants = all_mutants(p, cat)
    equivalent, _ = catalogue.match_equivalents(cat, mutants)
    live = [m for m in mutants if m.id not in equivalent][:limit]
    for v in variants:  # the reference records first, outside the timings
        reference_output(p, p.seed_for_variant(v), backend)
    tally = {True: [0.0, 0, 0], False: [0.0, 0, 0]}  # stop_early -> [seconds, runs, killed]
    differ = []
    for i, m in enumerate(live):
        got = {}
        for stop_early in ((False, True) if i % 2 == 0 else (True, False)):
            status, took, runs = fate(p, backend, m, variants, stop_early)
            got[stop_early] = status
            t = tally[stop_early]
            t[0] += took
            t[1] += runs
            t[2] += status == "killed"
        if got[True] != got[False]:
            differ.append(f"{pid} {m.id}: full {got[False]}, early {got[True]}")
    return p, len(live), len(equivalent), variants, tally, differ


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=["numpy-backprop"])
    ap.add_argument("--variants", default="all")
    ap.add_argument("--limit", type=int, default=None, help="only the first N non-equivalent mutants")
    ns = ap.parse_args()
    os.environ.setdefault("JUDGE_HOME", tempfile.mkdtemp(prefix="jh-bench-"))
    backend = LocalBackend()
    print(f"{'problem':<24}{'live':>6}{'full s':>9}{'early s':>9}{'ratio':>7}{'runs':>6}"
          f"  killed/survived full | early")
    bad = []
    for pid in ns.problems:
        p, n, n_eq, variants, tally, differ = bench(pid, backend, ns.variants, ns.limit)
        full, early = tally[False], tally[True]
        print(f"{pid + ' v' + ','.join(map(str, variants)):<24}{n:>6}{full[0]:>9.0f}{early[0]:>9.0f}"
              f"{full[0] / max(early[0], 1e-9):>6.2f}x{full[1]:>6}  {full[2]}/{n - full[2]} | "
              f"{early[2]}/{n - early[2]}  ({n_eq} declared equivalent, not judged)", flush=True)
        bad += differ
    for line in bad:
        print(f"fate differs: {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
