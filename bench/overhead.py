"""Overhead of judging over a bare pytest run, per problem, side by side.

For each problem: wall time of
  - bare:   pytest on the hidden suite with the harness plugin, on the host, no sandbox;
  - clean:  the same with plugin autoload off (only pytest-timeout), as in the image;
  - local:  `judge submit --backend local` (reference records cached);
  - docker: `judge submit --backend docker` (reference records cached);
all on the reference solution and the same seed, median of --repeat runs,
printed with the ratios judge/clean.

    python bench/overhead.py [PROBLEM ...] [--repeat 3] [--no-docker]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from judge import problem as problems  # noqa: E402
from judge import service  # noqa: E402
from judge.reference import reference_output  # noqa: E402


def bare(p, seed: int, clean: bool = False) -> float:
    """The hidden suite on the host. ``clean``: no third-party pytest plugins autoloaded
    (this host has many; the image has only pytest-timeout)."""
    import os

    env = dict(os.environ)
    if clean:
        env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTEST_PLUGINS="pytest_timeout")
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "judge.harness.run", "--tests", str(p.hidden_dir),
                        "--submission", str(p.reference_dir), "--module", p.module, "--out", out,
                        "--seed", str(seed), "--test-timeout", str(p.limits.test_seconds)],
                       cwd=REPO, capture_output=True, check=False, env=env)
        return time.perf_counter() - t


def judged(p, seed: int, backend) -> float:
    t = time.perf_counter()
    doc = service.submit(p.id, p.reference_dir, backend=backend, seed=seed, root=REPO)
    took = time.perf_counter() - t
    if doc["verdict"] != "accepted":
        raise SystemExit(f"{p.id}: reference got {doc['verdict']} on {backend.name}: {doc['message']}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-docker", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        import os

        os.environ["JUDGE_HOME"] = home
        from judge.sandbox.local import LocalBackend

        backends = {"local": LocalBackend()}
        if not args.no_docker:
            from judge.sandbox import get_backend

            backends["docker"] = get_backend("docker")
        ids = args.problems or problems.list_ids(REPO)
        head = f"{'problem':26} {'bare s':>8} {'clean s':>8}" + "".join(
            f" {n + ' s':>9} {n + '/clean':>12}" for n in backends)
        print(head)
        print("-" * len(head))
        for pid in ids:
            p = problems.load(pid, REPO)
            seed = p.seed_for_variant(0)
            for be in backends.values():
                reference_output(p, seed, be)  # cache first: measured runs are candidate runs only
            row = {"bare": statistics.median(bare(p, seed) for _ in range(args.repeat)),
                   "clean": statistics.median(bare(p, seed, clean=True) for _ in range(args.repeat))}
            for name, be in backends.items():
                row[name] = statistics.median(judged(p, seed, be) for _ in range(args.repeat))
            line = f"{pid:26} {row['bare']:8.2f} {row['clean']:8.2f}"
            for name in backends:
                line += f" {row[name]:9.2f} {row[name] / row['clean']:11.2f}x"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
