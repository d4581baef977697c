"""Cost of recording forbidden torch operations (judge/harness/oprecord.py), side by side.

For each problem: wall time of the hidden suite on the reference solution through the
local backend, without the recorder (forbidden_ops emptied) and with it, the ratio, and
the number of operator events the recorder collected. Median of --repeat runs.

    python bench/torchops.py [PROBLEM ...] [--repeat 1]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from judge import problem as problems  # noqa: E402
from judge.pipeline import run_suite  # noqa: E402
from judge.sandbox.local import LocalBackend  # noqa: E402


def timed(p, backend, seed: int) -> tuple[float, str]:
    t = time.perf_counter()
    run, out = run_suite(p, backend, p.reference_dir, seed)
    took = time.perf_counter() - t
    bad = [tid for tid, r in out.tests.items() if r.outcome != "passed"]
    return took, (f"{len(bad)} not passed, e.g. {bad[0]}" if bad else "ok")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=["transformer", "bert-classifier"])
    ap.add_argument("--repeat", type=int, default=1)
    ns = ap.parse_args()
    backend = LocalBackend()
    print(f"{'problem':<18}{'without':>10}{'with':>10}{'ratio':>8}  notes")
    for pid in ns.problems:
        p = problems.load(pid, REPO)
        seed = p.seed_for_variant(0)
        bare = p.model_copy(update={"forbidden_ops": {}})
        off, on, notes = [], [], set()
        for _ in range(ns.repeat):
            t, n = timed(bare, backend, seed)
            off.append(t)
            notes.add(f"without: {n}")
            t, n = timed(p, backend, seed)
            on.append(t)
            notes.add(f"with: {n}")
        a, b = statistics.median(off), statistics.median(on)
        print(f"{pid:<18}{a:>9.1f}s{b:>9.1f}s{b / a:>7.2f}x  {'; '.join(sorted(notes))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
