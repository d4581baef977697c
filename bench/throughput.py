"""Throughput of `judge batch`: -j 2 against -j 1 on the same inbox, submissions per minute.

The inbox is a problem's sample submissions (default transformer's), one entry each.
Every run judges all of them afresh (its own JUDGE_HOME and --out, so nothing is
reused) on one seed, with the reference records already cached (copied in), with the
docker backend; warm (the default) and cold (--cold) sandboxes. One run of the script
makes ``--repeat`` rounds (default 3), each running every mode and -j once, interleaved,
so a slow spell of a shared VM falls on all of them alike:

    python bench/throughput.py [PROBLEM] [--modes warm,cold] [--jobs 1,2] [--repeat 3] [--copies 1]

Prints, per run, seconds, submissions per minute, the ratio to -j 1 of the same round, and
what the judge itself costs: the `judge batch` process's CPU seconds and the engine's
(dockerd, containerd, shims: container create/start/remove) per submission (the engine's
figure counts every session's containers on a shared machine), how many judgings ran warm,
and the time each submission held a -j slot outside its sandbox run (-j x seconds, less the
runs' own wall time, per submission: intake, container start and removal, reading,
comparing, storing), and the whole machine's CPU per submission (every process and the
kernel, from /proc/stat: the engine's short-lived helpers count too). Then the medians and
each round's figure: the ratio -j 2 / -j 1 per mode, warm/cold at each -j, the CPU bound (2
x the -j 1 run's seconds over the machine CPU it used: what -j 2 would reach with both cores
busy all the time and the same work), and the machine's own ceiling: pure-Python work for a
fixed time in 2 processes against 1, measured before each round and at the end.
Goal (issue 13): -j 2 / -j 1 >= 1.95 on 2 cores. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def inbox(problem_id: str, dest: Path, copies: int = 1) -> int:
    """Copy every sample (submissions/<id>/<verdict>/<name>) to dest/<verdict>-<name>, ``copies``
    times (dest/<verdict>-<name>-<k>, k >= 2, for the further copies: a larger class)."""
    n = 0
    for k in range(1, copies + 1):
        tail = "" if k == 1 else f"-{k}"
        for vdir in sorted((REPO / "submissions" / problem_id).iterdir()):
            for s in sorted(vdir.iterdir()) if vdir.is_dir() else []:
                if s.name.startswith("adv-"):
                    continue  # hostile samples belong to the adversarial tests
                if s.is_dir():
                    shutil.copytree(s, dest / f"{vdir.name}-{s.name}{tail}")
                    n += 1
                elif s.suffix == ".py":
                    shutil.copy(s, dest / f"{vdir.name}-{s.stem}{tail}.py")
                    n += 1
    return n


def run_batch(problem_id: str, box: Path, jobs: int, seed: int, cache: Path, work: Path, cold: bool,
              tag: str = "") -> tuple[float, float, float, float, int, float]:
    """(wall seconds, CPU seconds of the `judge batch` process, the engine's CPU seconds, the
    machine's CPU seconds, judgings run warm, seconds inside sandboxes) of one run."""
    label = f"{'cold' if cold else 'warm'}-{jobs}-{tag}"
    home = work / f"home-{label}"
    shutil.copytree(cache, home / "cache")
    env = {**os.environ, "JUDGE_HOME": str(home), "PYTHONPATH": str(REPO), "JUDGE_ROOT": str(REPO),
           "MLJUDGE_WARM_DIR": str(work / "warm")}
    env.pop("MLJUDGE_WARM", None)
    env.pop("MLJUDGE_COLD", None)
    cmd = [sys.executable, "-m", "judge.cli", "batch", problem_id, str(box), "-j", str(jobs), "--seed", str(seed),
           "--backend", "docker", "--out", str(work / f"out-{label}")]
    if cold:
        cmd.append("--cold")
    engine0, busy0 = engine_cpu(), busy()
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"batch -j {jobs} failed: {err.read().decode(errors='replace')[-1500:]}")
    return (took, usage.ru_utime + usage.ru_stime, engine_cpu() - engine0, busy() - busy0, *run_stats(home))


def run_stats(home: Path) -> tuple[int, float]:
    """(judgings run in a warm sandbox, total seconds inside sandboxes) of a run, from the results
    it stored."""
    import json
    import sqlite3

    con = sqlite3.connect(home / "judge.db")
    try:
        runs = [(json.loads(d).get("run") or {}) for (d,) in con.execute("select document from results")]
    finally:
        con.close()
    return (sum(bool((r.get("details") or {}).get("warm")) for r in runs),
            sum(float(r.get("wall_seconds") or 0.0) for r in runs))


def _spin(seconds: float) -> int:
    """Pure-Python work for a fixed time; returns how much was done."""
    end, done = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        for _ in range(10_000):
            pass
        done += 1
    return done


def machine_ratio(seconds: float = 3.0) -> float:
    """What 2 processes get over 1 on this machine with no judge at all: pure-Python work for a
    fixed time in one process, then in two side by side (the ceiling of any -j 2 / -j 1 here)."""
    import multiprocessing as mp

    with mp.Pool(2) as pool:
        one = pool.apply(_spin, (seconds,))
        two = sum(pool.map(_spin, [seconds, seconds], chunksize=1))
    return two / one


def engine_cpu() -> float:
    """CPU seconds used so far by the engine's processes (dockerd, containerd, their shims)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name in ("dockerd", "containerd") or name.startswith("containerd-shim") or name == "runc":
            fields = stat[stat.rindex(")") + 2:].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def busy() -> float:
    """CPU seconds the whole machine has spent so far (user, nice, system, irq, softirq)."""
    v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / os.sysconf("SC_CLK_TCK")


def median(xs: list[float]) -> float:
    xs = sorted(xs)
    return (xs[len(xs) // 2] + xs[(len(xs) - 1) // 2]) / 2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problem", nargs="?", default="transformer")
    ap.add_argument("--modes", default="warm,cold")
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; each runs every mode and -j once, interleaved")
    ap.add_argument("--copies", type=int, default=1,
                    help="each sample this many times in the inbox: the batch's own start and end, and the "
                         "last job running alone, weigh less in a larger batch")
    ns = ap.parse_args()

    from judge import problem as problems
    from judge.reference import reference_output
    from judge.sandbox.docker import DockerBackend

    work = Path(tempfile.mkdtemp(prefix="mljudge-bench-throughput-"))
    os.environ["JUDGE_HOME"] = str(work / "home-ref")
    p = problems.load(ns.problem, REPO)
    seed = p.seed_for_variant(0)
    reference_output(p, seed, DockerBackend())  # cached once, copied into every run's home
    box = work / "inbox"
    box.mkdir()
    n = inbox(ns.problem, box, ns.copies)
    jobs = [int(j) for j in ns.jobs.split(",")]
    modes = ns.modes.split(",")
    print(f"{ns.problem}: {n} submissions, {os.cpu_count()} CPUs, seed {seed}, {ns.repeat} rounds")
    print(f"{'round':>5} {'mode':6} {'-j':>3} {'seconds':>9} {'subs/min':>9} {'vs -j ' + str(jobs[0]):>9} "
          f"{'judge CPU s/sub':>16} {'engine CPU s/sub':>17} {'machine CPU s/sub':>18} {'run warm':>9} "
          f"{'outside s/sub':>14}")
    secs: dict = {}
    cpu: dict = {}
    ceiling: list[float] = []
    try:
        for r in range(1, ns.repeat + 1):
            ceiling.append(machine_ratio())
            for mode in modes:
                for j in jobs:
                    took, judge_cpu, engine, machine, hits, inside = run_batch(
                        ns.problem, box, j, seed, work / "home-ref" / "cache", work, cold=mode == "cold", tag=str(r))
                    secs.setdefault((mode, j), []).append(took)
                    cpu.setdefault((mode, j), []).append(machine)
                    print(f"{r:>5} {mode:6} {j:>3} {took:9.1f} {n / took * 60:9.2f} "
                          f"{secs[mode, jobs[0]][-1] / took:9.2f} {judge_cpu / n:16.2f} {engine / n:17.2f} "
                          f"{machine / n:18.2f} "
                          f"{hits:>5}/{n} {(j * took - inside) / n:14.2f}", flush=True)
        ceiling.append(machine_ratio())
        print(f"\nmedian of {ns.repeat} rounds:")
        for mode in modes:
            base = median(secs[mode, jobs[0]])
            for j in jobs:
                rounds = [a / b for a, b in zip(secs[mode, jobs[0]], secs[mode, j])]
                print(f"  {mode:6} -j {j}: {median(secs[mode, j]):6.1f} s, {n / median(secs[mode, j]) * 60:6.2f} "
                      f"subs/min, {base / median(secs[mode, j]):.2f}x -j {jobs[0]} "
                      f"(rounds {' '.join(f'{x:.2f}' for x in rounds)})")
        for mode in modes:
            bound = [2 * t / c for t, c in zip(secs[mode, jobs[0]], cpu[mode, jobs[0]])]
            print(f"  {mode:6} CPU bound on -j 2 / -j {jobs[0]} (2 x seconds / machine CPU of -j {jobs[0]}): "
                  f"median {median(bound):.2f} (rounds {' '.join(f'{x:.2f}' for x in bound)})")
        print(f"  machine ceiling (pure CPU work, 2 processes over 1, each round and at the end): "
              f"{' '.join(f'{x:.2f}' for x in ceiling)}; median {median(ceiling):.2f}")
        for j in jobs:
            if ("warm", j) in secs and ("cold", j) in secs:
                rounds = [c / w for c, w in zip(secs["cold", j], secs["warm", j])]
                print(f"  warm/cold at -j {j}: {median(secs['cold', j]) / median(secs['warm', j]):.2f}x "
                      f"submissions per minute (rounds {' '.join(f'{x:.2f}' for x in rounds)})")
    finally:
        subprocess.run([sys.executable, "-m", "judge.sandbox.warm", "sweep", "--all"],
                       env={**os.environ, "PYTHONPATH": str(REPO), "MLJUDGE_WARM_DIR": str(work / "warm")},
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
