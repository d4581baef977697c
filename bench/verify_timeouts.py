"""verify's samples stopped at their first timed-out test against full runs, side by side.

Every `time_limit_exceeded` sample of the given problems (default: all) is judged twice on
variant 0, once as `judge verify` does (``stop_at_timeout``) and once to the end (`verify
--full-timeouts`), the order alternating sample by sample so a shared machine's load weighs
on both alike. Printed per sample: both wall times, the ratio and both verdicts, which must
be the same (the script exits 1 otherwise); then the totals.

    python bench/verify_timeouts.py [PROBLEM ...] [--backend docker|local]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from judge import problem as problems  # noqa: E402
from judge.intake import read_submission  # noqa: E402
from judge.pipeline import judge  # noqa: E402
from judge.reference import reference_output  # noqa: E402
from judge.sandbox import get_backend  # noqa: E402
from judge.verify import sample_backends, samples  # noqa: E402


def timed(p, sub, seed, backend, stop: bool) -> tuple[str, float]:
    t = time.perf_counter()
    doc = judge(p, sub, seed, backend, stop_at_timeout=stop)
    return doc["verdict"], time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*")
    ap.add_argument("--backend", default="docker")
    a = ap.parse_args()
    backend = get_backend(a.backend)
    ids = a.problems or problems.list_ids(problems.find_root())
    print(f"{'problem/sample':58} {'stopped':>8} {'full':>8} {'full/stopped':>12}  verdicts")
    tot_stop = tot_full = 0.0
    same = True
    for i, pid in enumerate(ids):
        p = problems.load(pid)
        seed = p.seed_for_variant(0)
        reference_output(p, seed, backend)  # cached before timing
        for n, (verdict, path) in enumerate(s for s in samples(p) if s[0] == "time_limit_exceeded"):
            if path.name.startswith("adv-") or (sample_backends(path) and backend.name not in sample_backends(path)):
                continue
            sub = read_submission(p, path)
            order = (True, False) if (i + n) % 2 == 0 else (False, True)
            got = {stop: timed(p, sub, seed, backend, stop) for stop in order}
            (v_stop, t_stop), (v_full, t_full) = got[True], got[False]
            same &= v_stop == v_full == verdict
            tot_stop, tot_full = tot_stop + t_stop, tot_full + t_full
            print(f"{pid + '/' + path.name:58.58} {t_stop:7.1f}s {t_full:7.1f}s {t_full / t_stop:11.2f}x  "
                  f"{v_stop} / {v_full}", flush=True)
    if tot_stop:
        print(f"{'total':58} {tot_stop:7.1f}s {tot_full:7.1f}s {tot_full / tot_stop:11.2f}x")
    if not same:
        print("verdicts differ between the two ways (or from the folder's)", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
