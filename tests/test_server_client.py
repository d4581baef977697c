"""The candidate's client against a real server: login, init, test (no problems/ needed), submit, status,
report, logout; and the wheel a candidate installs holds no problem package."""
import json
import stat
import subprocess
import sys
import zipfile

import pytest

from .serverproc import REPO, Server, cli_env, invite, judge, roomy_root, token, wait_done

SAMPLES = REPO / "tests" / "fixtures" / "repo" / "submissions" / "toy"


@pytest.fixture
def srv(tmp_path):
    root = roomy_root(tmp_path)
    s = Server(tmp_path / "home", root).start()
    s.repo_root = root
    yield s
    s.stop()


def candidate(tmp_path, *args, input=None, cwd=None):
    """`judge` on the candidate's machine: its own config dir, no JUDGE_ROOT, cwd outside any repository."""
    env = {k: v for k, v in cli_env(tmp_path / "cand-home", tmp_path).items() if k != "JUDGE_ROOT"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cand-config")
    return subprocess.run([sys.executable, "-m", "judge.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd or tmp_path / "work", input=input, timeout=300)


def test_candidate_flow(srv, tmp_path):
    (tmp_path / "work").mkdir()
    tok = invite(srv.home, srv.repo_root, "toy", name="ada")
    bad = candidate(tmp_path, "login", srv.url, input="mlj_not-a-token\n")
    assert bad.returncode == 2 and "401" in bad.stderr and "Traceback" not in bad.stderr
    ok = candidate(tmp_path, "login", srv.url, input=tok + "\n")
    assert ok.returncode == 0 and "candidate 'ada'" in ok.stdout, ok.stderr
    login = tmp_path / "cand-config" / "mljudge" / "login.json"
    assert stat.S_IMODE(login.stat().st_mode) == 0o600 and json.loads(login.read_text())["token"] == tok

    init = candidate(tmp_path, "init", "toy")
    assert init.returncode == 0, init.stderr
    pack = tmp_path / "work" / "toy"
    assert {p.name for p in pack.iterdir()} >= {"spec.md", "solution.py", "tests", "conftest.py", "README.md"}
    assert not any("hidden" in str(p) for p in pack.rglob("*"))

    (pack / "solution.py").write_bytes((SAMPLES / "partial" / "no-scale" / "solution.py").read_bytes())
    test = candidate(tmp_path, "test", "toy", ".", cwd=pack)
    assert test.returncode == 0 and "public tests passed" in test.stdout, test.stdout + test.stderr

    sub = candidate(tmp_path, "submit", "toy", ".", cwd=pack)
    assert sub.returncode == 0, sub.stderr
    assert "partial" in sub.stdout and "wrong values" in sub.stdout and "position" in sub.stderr
    assert "seed" not in sub.stdout  # the candidate view

    nowait = candidate(tmp_path, "submit", "toy", "solution.py", "--no-wait", cwd=pack)
    sid = int(nowait.stdout.strip())
    st = candidate(tmp_path, "status", sid)
    assert st.returncode == 0 and f"submission {sid}:" in st.stdout
    wait_done(srv.client(token(srv.home, srv.repo_root, "interviewer")), sid)
    rep = candidate(tmp_path, "report", sid, "--format", "json", "--audience", "candidate")
    assert rep.returncode == 0 and json.loads(rep.stdout)["audience"] == "candidate"
    default = candidate(tmp_path, "report", sid, "--format", "html")  # the caller's audience
    assert default.returncode == 0 and "Your result" in default.stdout and "def scale" not in default.stdout

    out = candidate(tmp_path, "logout")
    assert out.returncode == 0 and not login.exists()
    local = candidate(tmp_path, "status", sid)
    assert local.returncode == 2  # no login: local store, which has no such submission


def test_interviewer_tools_and_server_flag(srv, tmp_path):
    (tmp_path / "work").mkdir()
    tok = token(srv.home, srv.repo_root, "interviewer")
    proc = candidate(tmp_path, "submit", "toy", SAMPLES / "accepted" / "loop", "--server", srv.url, "--json",
                     cwd=tmp_path)
    assert proc.returncode == 2 and "no token" in proc.stderr
    env_tok = {"JUDGE_TOKEN": tok}
    proc = subprocess.run([sys.executable, "-m", "judge.cli", "submit", "toy", str(SAMPLES / "accepted" / "loop"),
                           "--server", srv.url, "--json"], capture_output=True, text=True, timeout=300,
                          env={**cli_env(tmp_path / "x", tmp_path), **env_tok, "XDG_CONFIG_HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "accepted" and "seed" in doc  # an interviewer gets the whole document


def test_invite_command_prints_a_token_and_the_login_line(tmp_path):
    root = roomy_root(tmp_path)
    proc = judge(tmp_path / "home", root, "invite", "toy", "--name", "Bo", "--expires", "2d", "--lang", "zh")
    assert proc.returncode == 0 and proc.stdout.startswith("mlj_") and "judge login" in proc.stderr
    bad = judge(tmp_path / "home", root, "invite", "nope", "--name", "Bo")
    assert bad.returncode == 2 and "unknown problem" in bad.stderr and "Traceback" not in bad.stderr
    bad = judge(tmp_path / "home", root, "invite", "toy", "--name", "Bo", "--expires", "soon")
    assert bad.returncode == 2 and "bad duration" in bad.stderr


@pytest.mark.slow
def test_wheel_holds_the_client_and_no_problem_package(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("mljudge-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "judge/client/remote.py" in names and "judge/server/templates/web_login.html" in names
    forbidden = [n for n in names if n.startswith(("problems/", "reference/", "submissions/", "tests/"))
                 or "/hidden/" in n or "/reference/" in n or "/submissions/" in n or "fixtures" in n]
    assert forbidden == []
    hidden_tests = {p.name for p in (REPO / "problems").glob("*/hidden/*.py")}
    assert hidden_tests and not [n for n in names if n.rsplit("/", 1)[-1] in hidden_tests]
