"""What one sandbox container costs the machine, outside the job itself.

Runs a job that does nothing (`true`) through the docker backend, one container after
another, and prints per container: the wall time of the whole run (create, attach, start,
wait, remove), the machine's CPU time (every process and the kernel, from /proc/stat,
so the engine's short-lived helpers count too) and the judge process's own CPU. Two
settings, interleaved over --rounds, side by side with their ratio:

  - today:   the backend as it is (``network_disabled``: no libnetwork sandbox);
  - netns:   ``network_mode=none`` alone, as before: the engine then runs its libnetwork
             prestart hook, a second dockerd process, on every container start.

Both give the job a new network namespace with only ``lo``. At ``judge batch -j 2`` this
CPU is taken from the other slot's run, which is why it bounds the -j 2 / -j 1 ratio
(see bench/throughput.py).

    python bench/container.py [--n 15] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from throughput import busy  # noqa: E402  (bench/ is the script's folder)


def per_container(n: int, old_network: bool) -> tuple[float, float, float]:
    """(wall, machine CPU, judge CPU) seconds per container over n empty jobs."""
    from judge.sandbox import docker as dsb
    from judge.sandbox.base import Job

    class Backend(dsb.DockerBackend):
        def _prepare(self, job):
            prep = super()._prepare(job)
            if old_network and not isinstance(prep, dsb.RunResult):
                prep.create_kwargs["network_disabled"] = False
                prep.create_kwargs["extra_hosts"] = {dsb.HOSTNAME: "127.0.0.1"}
            return prep

    be = Backend()
    with tempfile.TemporaryDirectory() as d:
        b0, p0, t0 = busy(), time.process_time(), time.perf_counter()
        for i in range(n):
            r = be.run(Job(command=["true"], mounts={}, out_dir=Path(d) / f"out{i}", runtime="numpy"))
            if r.exit_code != 0:
                raise SystemExit(f"the empty job failed: {r.error or r.stderr}")
        wall = time.perf_counter() - t0
        time.sleep(1.0)  # the engine's and the kernel's clean-up after the last removal
        return wall / n, (busy() - b0 - _idle_busy(1.0)) / n, (time.process_time() - p0) / n


_baseline: list[float] = []


def _idle_busy(seconds: float) -> float:
    """The machine's CPU over ``seconds`` of doing nothing (measured once), to subtract."""
    if not _baseline:
        b = busy()
        time.sleep(seconds)
        _baseline.append(busy() - b)
    return _baseline[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=15, help="containers per setting and round")
    ap.add_argument("--rounds", type=int, default=3)
    ns = ap.parse_args()
    from judge.sandbox.docker import DockerBackend

    reason = DockerBackend().available()
    if reason:
        raise SystemExit(reason)
    per_container(2, False)  # first use: client, image check
    rows: dict[str, list[tuple[float, float, float]]] = {"today": [], "netns": []}
    print(f"{ns.n} empty jobs per setting and round, {os.cpu_count()} CPUs")
    print(f"{'round':>5} {'setting':8} {'wall s':>8} {'machine CPU s':>14} {'judge CPU s':>12}")
    for r in range(1, ns.rounds + 1):
        for name in ("netns", "today"):
            row = per_container(ns.n, old_network=name == "netns")
            rows[name].append(row)
            print(f"{r:>5} {name:8} {row[0]:8.3f} {row[1]:14.3f} {row[2]:12.3f}", flush=True)
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in rows.items()}
    print(f"\nmedian per container: today wall {med['today'][0]:.3f} s, machine CPU {med['today'][1]:.3f} s; "
          f"before (libnetwork hook) wall {med['netns'][0]:.3f} s, machine CPU {med['netns'][1]:.3f} s")
    print(f"before/today: wall {med['netns'][0] / med['today'][0]:.2f}x, "
          f"machine CPU {med['netns'][1] / med['today'][1]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
