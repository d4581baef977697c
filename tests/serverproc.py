"""A real `judge serve` in a subprocess on 127.0.0.1 and a free port, for the server tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(home: Path, root: Path, **extra) -> dict:
    env = {**os.environ, "JUDGE_HOME": str(home), "JUDGE_ROOT": str(root), "PYTHONPATH": str(REPO)}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def judge(home: Path, root: Path, *args, cwd=None, input=None, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "judge.cli", *map(str, args)], capture_output=True, text=True,
                          env=cli_env(home, root, **extra), cwd=cwd, input=input, timeout=300)


class ProcessGroup:
    """A child started in its own session (``start_new_session``): killed or stopped as a group."""

    proc: subprocess.Popen | None = None
    stop_grace = 15.0

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(self.stop_grace)
            except subprocess.TimeoutExpired:
                self.kill9()


class Server(ProcessGroup):
    def __init__(self, home: Path, root: Path, *args: str, port: int | None = None):
        self.home, self.root, self.args = home, root, args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home.parent / f"server-{self.port}.log"
        self.proc = None

    def start(self, timeout: float = 30) -> "Server":
        self.home.mkdir(parents=True, exist_ok=True)
        fh = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "judge.cli", "serve", "--port", str(self.port), "--backend", "local", *self.args],
            env=cli_env(self.home, self.root), stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + self.log.read_text()[-2000:])

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=60)


def token(home: Path, root: Path, role: str) -> str:
    proc = judge(home, root, "token", "create", "--role", role)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def invite(home: Path, root: Path, *problems: str, name: str = "cand", **opts) -> str:
    args = [f"--{k.replace('_', '-')}={v}" for k, v in opts.items()]
    proc = judge(home, root, "invite", *problems, "--name", name, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def wait_done(client: httpx.Client, sid: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = client.get(f"/submissions/{sid}").json()
        if st.get("state") == "done" and st.get("result"):
            return st
        time.sleep(0.3)
    raise AssertionError(f"submission {sid} not judged in {timeout}s: {st}")


def roomy_root(dest: Path) -> Path:
    """A copy of the toy fixture repo with generous time limits: the shared test machine can be very loaded,
    and these tests are about serving, not about limits."""
    import shutil

    from .conftest import FIXTURE_ROOT

    root = dest / "repo"
    if not root.exists():
        shutil.copytree(FIXTURE_ROOT, root)
        yaml = root / "problems" / "toy" / "problem.yaml"
        text = yaml.read_text().replace("wall_seconds: 20", "wall_seconds: 300").replace("test_seconds: 15",
                                                                                          "test_seconds: 120")
        yaml.write_text(text)
    return root
