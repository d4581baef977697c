"""The resident judge (judge/resident/) with real processes, a real engine and warm sandboxes:
`judge submit` is judged by it when one answers with the same code and environment, gives the
same document and exit codes as judging in the command, and it ends and cleans up on its own."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from judge.resident import protocol

from .conftest import FIXTURE_ROOT, REPO

pytestmark = pytest.mark.docker


@pytest.fixture
def resident_env(fixture_root, judge_home, tmp_path, monkeypatch):
    from judge.sandbox.docker import DockerBackend

    reason = DockerBackend().available()
    if reason:
        if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.delenv("MLJUDGE_COLD")  # warm sandboxes, as the command runs by default
    monkeypatch.delenv("MLJUDGE_RESIDENT", raising=False)
    monkeypatch.setenv("MLJUDGE_WARM_DIR", str(tmp_path / "warm"))  # this test's containers only
    monkeypatch.setenv("MLJUDGE_SECRET", "resident-test")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    yield env
    subprocess.run([sys.executable, "-m", "judge.cli", "resident", "stop"], env=env, capture_output=True, timeout=120)
    subprocess.run([sys.executable, "-m", "judge.sandbox.warm", "sweep", "--all"], env=env, capture_output=True,
                   timeout=120)


def cli(env, *args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "judge.cli", *map(str, args)], env=env, cwd=cwd or FIXTURE_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def status(env) -> dict:
    return json.loads(cli(env, "resident", "status", "--json").stdout)


def comparable(doc: dict) -> dict:
    """What must not depend on where it was judged."""
    return {"verdict": doc["verdict"], "score": doc["score"], "seed": doc["seed"], "backend": doc["backend"],
            "tests": {t["name"]: (t["outcome"], t["earned"], t["checks"]) for t in doc["tests"]}}


@pytest.mark.slow
def test_submit_is_judged_by_the_resident_judge_with_the_same_result(resident_env):
    env = resident_env
    sample = FIXTURE_ROOT / "submissions" / "toy" / "partial"
    sample = next(sample.iterdir())
    # judged in the command (no resident judge yet); it starts one for the next command
    first = cli({**env, "MLJUDGE_RESIDENT": "0"}, "submit", "toy", sample, "--seed", 7, "--json")
    assert first.returncode == 0, first.stderr
    assert status(env) == {"running": False}  # MLJUDGE_RESIDENT=0: none started
    started = cli(env, "resident", "start")
    assert started.returncode == 0, started.stderr
    st = status(env)
    assert st["running"] and st["current"] and st["same_env"] and st["judged"] == 0
    run_dir = protocol.run_dir()
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(protocol.socket_path().stat().st_mode) == 0o600
    # a relative path, from another folder than the repository's root: resolved as the command would
    second = cli(env, "submit", "toy", os.path.relpath(sample, sample.parent.parent), "--seed", 7, "--json",
                 cwd=sample.parent.parent)
    assert second.returncode == 0, second.stderr
    assert status(env)["judged"] == 1
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["verdict"] == "partial" and comparable(a) == comparable(b)
    assert b["id"] == a["id"] + 1  # the same store
    shown = cli(env, "report", b["id"], "--format", "json")
    assert json.loads(shown.stdout)["verdict"] == "partial"
    # the human report too, rendered by the command
    text = cli(env, "submit", "toy", sample, "--seed", 7)
    assert text.returncode == 0 and "partial" in text.stdout.lower()
    assert status(env)["judged"] == 2


@pytest.mark.slow
def test_errors_and_exit_codes_are_the_commands_own(resident_env):
    env = resident_env
    assert cli(env, "resident", "start").returncode == 0
    unknown = cli(env, "submit", "no-such-problem", ".", "--json")
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: unknown problem 'no-such-problem'")
    assert "Traceback" not in unknown.stderr
    missing = cli(env, "submit", "toy", "nowhere.py", "--json")
    assert missing.returncode == 2 and "nowhere.py: no such file or folder" in missing.stderr
    assert status(env)["judged"] == 2  # both went to it


@pytest.mark.slow
def test_another_environment_or_cold_or_local_is_judged_in_the_command(resident_env):
    env = resident_env
    assert cli(env, "resident", "start").returncode == 0
    sample = next((FIXTURE_ROOT / "submissions" / "toy" / "accepted").iterdir())
    other = cli({**env, "MLJUDGE_SECRET": "another-secret"}, "submit", "toy", sample, "--json")
    assert other.returncode == 0, other.stderr
    cold = cli(env, "submit", "toy", sample, "--json", "--cold")
    assert cold.returncode == 0, cold.stderr
    st = status(env)
    assert st["judged"] == 0 and st["current"]  # neither went to it; it was not replaced either


@pytest.mark.slow
def test_it_ends_when_idle_and_removes_its_warm_sandboxes(resident_env):
    env = resident_env
    import docker

    assert cli(env, "resident", "start", "--idle", 25).returncode == 0
    sample = next((FIXTURE_ROOT / "submissions" / "toy" / "accepted").iterdir())
    assert cli(env, "submit", "toy", sample, "--json").returncode == 0
    pid = status(env)["pid"]
    client = docker.from_env()

    def its_containers():
        return [c for c in client.containers.list(all=True, filters={"label": "mljudge.warm"})
                if (c.labels.get("mljudge.owner") or "").endswith(f":{pid}")]

    end = time.monotonic() + 15
    while time.monotonic() < end and not its_containers():
        time.sleep(0.3)
    assert its_containers(), "it did not refill its pool after the job"
    time.sleep(4)
    # one ready sandbox per kind (MLJUDGE_WARM_SIZE=1): the pool's cap then holds more kinds
    assert len(its_containers()) == 1
    end = time.monotonic() + 120
    while time.monotonic() < end and protocol.socket_path().exists():
        time.sleep(0.5)
    assert not protocol.socket_path().exists()
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the resident judge is still running")
    assert its_containers() == []
    client.close()


def test_requests_of_other_code_or_environment_are_refused_without_judging():
    from judge.resident.server import Resident

    r = Resident.__new__(Resident)  # no engine needed: the checks come before any judging
    r.code, r.env, r.active, r.judged, r.started, r.idle = "abc", {"MLJUDGE_SECRET": "s"}, 0, 0, 0.0, 900
    import threading

    r.lock, r.last = threading.Lock(), time.monotonic()
    assert r.handle({"op": "submit", "code": "old", "env": r.env}) == {"mismatch": "code"}
    assert r.handle({"op": "submit", "code": "abc", "env": {}}) == {"mismatch": "environment"}
    assert r.handle({"op": "ping"})["pid"] == os.getpid()
    assert r.judged == 0


def test_the_code_digest_follows_the_judge_package(tmp_path, monkeypatch):
    pkg = tmp_path / "judge"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    monkeypatch.setattr(protocol, "PACKAGE", pkg)
    before = protocol.code_digest()
    assert protocol.code_digest() == before
    (pkg / "sub" / "b.py").write_text("y = 22\n")
    assert protocol.code_digest() != before


@pytest.mark.slow
def test_a_resident_judge_of_older_code_is_replaced_and_the_command_judges_meanwhile(resident_env):
    env = resident_env
    old = subprocess.Popen([sys.executable, "-c", "import judge.resident.protocol as p; p.code_digest = lambda: 'old'; "
                            "from judge.resident.server import serve; serve(900)"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(300):
            if protocol.socket_path().exists() and status(env).get("running"):
                break
            time.sleep(0.1)
        st = status(env)
        assert st["pid"] == old.pid and not st["current"]
        sample = next((FIXTURE_ROOT / "submissions" / "toy" / "accepted").iterdir())
        judged = cli(env, "submit", "toy", sample, "--json")
        assert judged.returncode == 0 and json.loads(judged.stdout)["verdict"] == "accepted", judged.stderr
        assert old.wait(timeout=120) == 0  # asked to stop: it ended by itself
        end = time.monotonic() + 60
        while time.monotonic() < end and not status(env).get("current"):
            time.sleep(0.2)
        st = status(env)
        assert st["current"] and st["pid"] != old.pid and st["judged"] == 0  # the command judged it itself
    finally:
        if old.poll() is None:
            old.kill()
