"""A scaled-out judge on this machine for the tests and bench: PostgreSQL + Redis (scripts/services.sh),
`judge serve --db --broker` and `judge worker` processes, each in its own process group."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from .serverproc import REPO, ProcessGroup, Server, cli_env, judge

# small, quick samples (seconds each on docker): (problem, expected verdict, sample folder)
MIXED = [
    ("numpy-backprop", "accepted", "folded-bias-0d-loss"),
    ("gradient-descent", "accepted", "bias-trick-theta"),
    ("numpy-backprop", "partial", "grad-missing-1-over-n"),
    ("gradient-descent", "wrong_answer", "bias-not-in-prediction"),
    ("numpy-backprop", "compilation_error", "missing-colon"),
    ("gradient-descent", "partial", "float32-data"),
]


def redis_db(url: str, n: int) -> str:
    """``url`` on Redis database ``n``, emptied: one run's queue, not another's."""
    base = url.rsplit("/", 1)[0]
    port = base.rsplit(":", 1)[1]
    subprocess.run(["redis-cli", "-p", port, "-n", str(n), "flushdb"], capture_output=True, timeout=30)
    return f"{base}/{n}"


def samples(root: Path, problems: list[str], per_problem: dict[str, int] | None = None) -> list[tuple]:
    """Non-adversarial samples of ``problems`` that end quickly (no time or memory limit samples),
    interleaved across problems: [(problem, expected verdict, name)]."""
    lists = []
    for pid in problems:
        found = [(pid, folder.parent.name, folder.name)
                 for folder in sorted((root / "submissions" / pid).glob("*/*"))
                 if folder.is_dir() and not folder.name.startswith("adv-")
                 and folder.parent.name not in ("time_limit_exceeded", "memory_limit_exceeded")]
        lists.append(found[: (per_problem or {}).get(pid, len(found))])
    out = []
    for i in range(max(map(len, lists))):
        out += [lst[i] for lst in lists if i < len(lst)]
    return out


def sample_files(root: Path, problem: str, verdict: str, name: str) -> list:
    folder = root / "submissions" / problem / verdict / name
    return [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())
            if p.is_file() and p.name not in ("NOTES.md", "sample.yaml")]


class Worker(ProcessGroup):
    stop_grace = 30.0

    def __init__(self, tmp: Path, root: Path, db: str, broker: str, name: str, *args: str,
                 home: Path | None = None):
        self.name, self.root, self.db, self.broker, self.args = name, root, db, broker, args
        self.home = home or tmp / f"worker-{name}"  # JUDGE_HOME: its reference cache
        self.log = tmp / f"worker-{name}.log"
        self.proc = None

    def start(self, wait: bool = True) -> "Worker":
        self.home.mkdir(parents=True, exist_ok=True)
        fh = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "judge.cli", "worker", "--broker", self.broker, "--db", self.db, "--name",
             self.name, "--lost-after", "10", *self.args],
            env=cli_env(self.home, self.root), stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=self.root)
        if wait:
            deadline = time.monotonic() + 120
            while " ready." not in self.text():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker {self.name} did not start: {self.text()[-2000:]}")
                time.sleep(0.3)
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Cluster:
    """Server (--db postgres --broker redis) + workers; ``root`` is the problems repository."""

    def __init__(self, tmp: Path, db: str, broker: str, root: Path = REPO):
        self.tmp, self.db, self.broker, self.root = tmp, db, broker, root
        self.server = Server(tmp / "server-home", root, "--db", db, "--broker", broker, "--lost-after", "10",
                             "--max-queue", "500", "--submit-rate", "0", "--request-rate", "0")
        self.workers: list[Worker] = []
        self.token = None

    def start(self) -> "Cluster":
        self.server.start(timeout=60)
        proc = judge(self.server.home, self.root, "token", "create", "--role", "interviewer", MLJUDGE_DB=self.db)
        assert proc.returncode == 0, proc.stderr
        self.token = proc.stdout.strip()
        return self

    def worker(self, name: str, *args: str, wait: bool = True, root: Path | None = None,
               home: Path | None = None) -> Worker:
        """Start `judge worker --name NAME ARGS` with the problems of ``root`` (default: the server's)."""
        w = Worker(self.tmp, root or self.root, self.db, self.broker, name, *args, home=home).start(wait)
        self.workers.append(w)
        return w

    def client(self):
        return self.server.client(self.token)

    def submit(self, c, problem: str, verdict: str, name: str) -> int:
        r = c.post("/submissions", data={"problem": problem, "label": f"{verdict}/{name}"},
                   files=sample_files(self.root, problem, verdict, name))
        assert r.status_code == 202, r.text
        return r.json()["id"]

    def wait_all(self, c, ids: list[int], timeout: float) -> dict[int, dict]:
        """Every submission's status once all are done (polls; tolerates 503 while a service restarts)."""
        deadline, done = time.monotonic() + timeout, {}
        while time.monotonic() < deadline and len(done) < len(ids):
            for sid in ids:
                if sid in done:
                    continue
                try:
                    r = c.get(f"/submissions/{sid}")
                except Exception:
                    continue
                if r.status_code == 200 and r.json().get("state") == "done" and r.json().get("result"):
                    done[sid] = r.json()
            time.sleep(1)
        missing = sorted(set(ids) - set(done))
        assert not missing, f"not judged in {timeout}s: {missing}\n" + "\n".join(
            w.text()[-1500:] for w in self.workers)
        return done

    def stop(self) -> None:
        for w in self.workers:
            w.stop()
        self.server.stop()
