"""Time to verdict, per problem: the whole `judge submit … --json` command, cold and warm,
against a bare harness run of the same hidden suite on the host; side by side with ratios.

For each problem, on its reference solution and variant 0's seed, with the reference
records cached (computed once before timing, in a private JUDGE_HOME):

  cold    `python -m judge.cli submit P reference/P --seed S --json --backend docker --cold`
  warm    the same without --cold, as every command after the first runs: the resident judge
          (judge/resident/, left by the first command) judges it in a warm sandbox ready before
          the command starts (the resident judge refills its pool; the bench waits for that, as
          a candidate's next submission would find it)
  oneshot the same with MLJUDGE_RESIDENT=0: the command judges in its own process (imports the
          judge) in a warm sandbox that the previous command's detached refill left
  bare    `python -m judge.harness.run` on the hidden suite on the host, no sandbox, no judge
  server  (--server) `judge submit --server URL` against a `judge serve --backend docker` on
          127.0.0.1 (warm workers), the whole client command until the verdict is printed

Median and spread (min-max) of -n runs each; ratios warm/bare, oneshot/bare, cold/bare, warm/cold.
Also `judge --version` (the CLI's own start-up; --before DIR adds another checkout's).
Goal (issue 13): warm/bare < 1.0 for the torch and TensorFlow problems, <= 1.1 for NumPy.

    python bench/latency.py [PROBLEM ...] [-n 5] [--server] [--before /work/main] [--modes cold,oneshot,warm,bare]

Run it on a quiet machine: every figure is wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT = ["numpy-backprop", "transformer", "bert-classifier", "tf-training-loop"]


def env_for(home: Path, repo: Path = REPO, **extra) -> dict:
    env = {**os.environ, "JUDGE_HOME": str(home), "PYTHONPATH": str(repo), "JUDGE_ROOT": str(REPO)}
    for k in ("MLJUDGE_COLD", "MLJUDGE_WARM"):
        env.pop(k, None)
    env.update(extra)
    return env


def timed(cmd: list[str], env: dict, check_verdict: bool = True, cwd: Path = REPO) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    took = time.perf_counter() - t
    if check_verdict:
        try:
            verdict = json.loads(proc.stdout)["verdict"]
        except (ValueError, KeyError, TypeError):
            verdict = None
        if verdict != "accepted":
            raise SystemExit(f"{' '.join(cmd[3:6])}: not accepted ({verdict}): {proc.stderr[-600:]}")
    return took


def bare(p, seed: int, home: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        return timed([sys.executable, "-m", "judge.harness.run", "--tests", str(p.hidden_dir),
                      "--submission", str(p.reference_dir), "--module", p.module, "--out", out,
                      "--seed", str(seed), "--test-timeout", str(p.limits.test_seconds)],
                     env_for(home), check_verdict=False)


def submit_cmd(p, seed: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "judge.cli", "submit", p.id, str(p.reference_dir), "--seed", str(seed),
            "--json", *extra]


def warm_key(p, seed: int) -> str:
    from judge.pipeline import suite_job
    from judge.sandbox import warm
    from judge.sandbox.docker import DockerBackend

    with tempfile.TemporaryDirectory() as out:
        prep = DockerBackend()._prepare(suite_job(p, p.reference_dir, p.hidden_dir, Path(out), seed))
        return warm.spec_of(prep)["key"]


def wait_warm(key: str, timeout: float = 300) -> bool:
    """Until one ready warm sandbox of ``key`` waits and nothing else is warming or being removed."""
    from judge.sandbox import warm

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, warming = warm.count(key)
        busy = subprocess.run(["pgrep", "-f", "judge.sandbox.warm refill"], capture_output=True).stdout.strip()
        if ready >= 1 and not warming and not busy:
            return True
        time.sleep(0.2)
    return False


def stats(xs: list[float]) -> tuple[float, float]:
    return statistics.median(xs), (max(xs) - min(xs)) if xs else 0.0


def cli_startup(repo: Path, n: int, home: Path) -> float:
    env = env_for(home, repo)
    return statistics.median(timed([sys.executable, "-m", "judge.cli", "--version"], env, check_verdict=False,
                                   cwd=repo) for _ in range(n))


class ServerRun:
    """`judge serve --backend docker` on 127.0.0.1 with an admin token for the client."""

    def __init__(self, home: Path):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = home
        env = env_for(home)
        out = subprocess.run([sys.executable, "-m", "judge.cli", "token", "create", "--role", "admin"], cwd=REPO,
                             env=env, capture_output=True, text=True, check=True).stdout
        self.token = out.strip().split()[-1]
        self.log = open(home / "server.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "judge.cli", "serve", "--port", str(self.port),
                                      "--backend", "docker", "--workers", "1"], cwd=REPO, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        import httpx

        for _ in range(300):
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("the server did not start: see " + str(home / "server.log"))

    def submit(self, p) -> float:
        env = env_for(self.home, JUDGE_TOKEN=self.token, XDG_CONFIG_HOME=str(self.home / "cfg"))
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "judge.cli", "submit", p.id, str(p.reference_dir), "--server",
                               self.url, "--json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        took = time.perf_counter() - t
        if '"accepted"' not in proc.stdout:
            raise SystemExit(f"{p.id} through the server: not accepted: {(proc.stdout + proc.stderr)[-800:]}")
        return took

    def stop(self) -> None:
        import signal

        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", help=f"default: {' '.join(DEFAULT)}")
    ap.add_argument("-n", "--repeat", type=int, default=5)
    ap.add_argument("--server", action="store_true", help="also through `judge serve` (references of every variant are cached first)")
    ap.add_argument("--before", type=Path, default=None, help="another checkout whose `judge --version` to time too")
    ap.add_argument("--modes", default="cold,oneshot,warm,bare")
    ns = ap.parse_args()

    from judge import problem as problems
    from judge.reference import reference_output
    from judge.sandbox.docker import DockerBackend

    modes = ns.modes.split(",") + (["server"] if ns.server else [])
    home = Path(tempfile.mkdtemp(prefix="mljudge-bench-latency-"))
    os.environ["JUDGE_HOME"] = str(home)
    os.environ["MLJUDGE_WARM_DIR"] = str(home / "warm")  # this bench's warm sandboxes only
    print(f"judge --version: {cli_startup(REPO, ns.repeat, home):.3f}s (this checkout)"
          + (f", {cli_startup(ns.before, ns.repeat, home):.3f}s ({ns.before})" if ns.before else ""))
    server = ServerRun(home) if ns.server else None
    rows = []
    judged_before = 0
    try:
        for pid in ns.problems or DEFAULT:
            p = problems.load(pid, REPO)
            seed = p.seed_for_variant(0)
            for s in ([p.seed_for_variant(v) for v in range(p.variants)] if ns.server else [seed]):
                reference_output(p, s, DockerBackend())  # cached: not timed
            times = {m: [] for m in modes}
            env = env_for(home)
            oneshot = env_for(home, MLJUDGE_RESIDENT="0")
            if "warm" in modes or "oneshot" in modes:
                key = warm_key(p, seed)
                timed(submit_cmd(p, seed), oneshot)  # leaves a warm sandbox behind (not timed)
            if "warm" in modes:
                subprocess.run([sys.executable, "-m", "judge.cli", "resident", "start"], cwd=REPO, env=env,
                               check=True, capture_output=True)
            for _ in range(ns.repeat):
                if "bare" in modes:
                    times["bare"].append(bare(p, seed, home))
                if "cold" in modes:
                    times["cold"].append(timed(submit_cmd(p, seed, "--cold"), env))
                for mode, how in (("oneshot", oneshot), ("warm", env)):
                    if mode in modes:
                        if not wait_warm(key):
                            print(f"{pid}: no warm sandbox became ready; this {mode} run is cold", file=sys.stderr)
                        times[mode].append(timed(submit_cmd(p, seed), how))
                if server is not None:
                    times["server"].append(server.submit(p))
            if "warm" in modes:
                wait_warm(key)  # let the refill finish before the next problem
                st = json.loads(subprocess.run([sys.executable, "-m", "judge.cli", "resident", "status", "--json"],
                                               cwd=REPO, env=env, capture_output=True, text=True).stdout)
                served = st.get("judged", 0) - judged_before
                judged_before = st.get("judged", 0)
                if served != ns.repeat:
                    raise SystemExit(f"{pid}: the resident judge served {served} of {ns.repeat} warm runs")
            rows.append((pid, {m: stats(v) for m, v in times.items()}))
            _print(rows[-1:], modes, header=len(rows) == 1)
    finally:
        if server is not None:
            server.stop()
        subprocess.run([sys.executable, "-m", "judge.cli", "resident", "stop"], cwd=REPO, env=env_for(home),
                       capture_output=True)
        subprocess.run([sys.executable, "-m", "judge.sandbox.warm", "sweep", "--all"], env=env_for(home),
                       capture_output=True)
    return 0


def _print(rows, modes, header=True) -> None:
    cols = [m for m in ("cold", "oneshot", "warm", "bare", "server") if m in modes]
    if header:
        print(f"{'problem':18} " + " ".join(f"{m + ' s (spread)':>17}" for m in cols)
              + "  warm/bare  oneshot/bare  cold/bare  warm/cold" + ("  server/bare" if "server" in cols else ""))
    for pid, st in rows:
        line = f"{pid:18} " + " ".join(f"{st[m][0]:8.2f} ({st[m][1]:5.2f}) " for m in cols)

        def ratio(a, b):
            return f"{st[a][0] / st[b][0]:9.2f}" if a in st and b in st and st[b][0] else f"{'-':>9}"

        line += f"  {ratio('warm', 'bare')}  {ratio('oneshot', 'bare'):>12}  {ratio('cold', 'bare')}  {ratio('warm', 'cold')}"
        if "server" in cols:
            line += f"  {ratio('server', 'bare'):>11}"
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
