"""The `judge` command as a user runs it: exit codes and one-line messages, never a traceback."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from judge import problem as problems

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def judge_cli(fixture_root, judge_home, tmp_path):
    def run(*args, cwd=None):
        env = {**os.environ, "JUDGE_ROOT": str(fixture_root), "JUDGE_HOME": str(judge_home)}
        return subprocess.run([sys.executable, "-m", "judge.cli", *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=cwd or tmp_path, timeout=300)

    return run


def _no_traceback(proc):
    assert "Traceback" not in proc.stderr + proc.stdout


def test_list_and_show(judge_cli):
    proc = judge_cli("list", "--json")
    assert proc.returncode == 0
    assert [p["id"] for p in json.loads(proc.stdout)] == ["toy"]
    assert "scale" in judge_cli("show", "toy").stdout


@pytest.mark.parametrize("args,code,text", [
    (("show", "no-such"), 2, "unknown problem 'no-such'"),
    (("submit", "no-such", "x.py", "--backend", "local"), 2, "unknown problem"),
    (("submit", "toy", "does/not/exist", "--backend", "local"), 2, "no such file or folder"),
    (("report", "999"), 2, "no submission with id 999"),
    (("submit", "toy"), 2, "Missing argument"),
])
def test_bad_input_gets_one_line_and_exit_2(judge_cli, args, code, text):
    proc = judge_cli(*args)
    assert proc.returncode == code and text in proc.stderr
    _no_traceback(proc)


def test_submit_json_report_and_rejudge(judge_cli, fixture_root):
    proc = judge_cli("submit", "toy", fixture_root / "reference" / "toy", "--backend", "local", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["verdict"], doc["score"], doc["backend"]) == ("accepted", 100.0, "local")
    rep = judge_cli("report", doc["id"], "--format", "json")
    assert json.loads(rep.stdout)["seed"] == doc["seed"]
    term = judge_cli("report", doc["id"])
    assert "accepted" in term.stdout and "test_hidden.py::test_scale" in term.stdout
    again = judge_cli("rejudge", doc["id"], "--json")
    assert json.loads(again.stdout)["seed"] == doc["seed"]


def test_bad_submissions_get_verdicts_not_tracebacks(judge_cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    binary = tmp_path / "bin"
    binary.mkdir()
    (binary / "solution.py").write_bytes(os.urandom(2000) + b"\0")
    big = tmp_path / "big"
    big.mkdir()
    (big / "solution.py").write_bytes(b"x = 1\n" * ((50 << 20) // 6))
    syntax = tmp_path / "syntax.py"
    syntax.write_text("def f(:\n")
    expected = {empty: "invalid_submission", binary: "invalid_submission", big: "invalid_submission",
                syntax: "compilation_error"}
    for path, verdict in expected.items():
        proc = judge_cli("submit", "toy", path, "--backend", "local", "--json")
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        assert doc["verdict"] == verdict, (path, doc["message"])
        assert doc["message"] and "\n" not in doc["message"]
        _no_traceback(proc)


def test_init_then_test_with_the_public_tests(judge_cli, fixture_root, tmp_path):
    proc = judge_cli("init", "toy", tmp_path / "pack")
    assert proc.returncode == 0, proc.stderr
    pack = tmp_path / "pack"
    assert {"README.md", "spec.md", "solution.py", "tests", "conftest.py"} <= {p.name for p in pack.iterdir()}
    assert (pack / "spec.md").read_text() == (fixture_root / "problems" / "toy" / "spec.md").read_text()
    assert not (pack / "hidden").exists()
    out = judge_cli("test", "toy", pack)
    assert "0/1 public tests passed" in out.stdout
    (pack / "solution.py").write_text((fixture_root / "reference" / "toy" / "solution.py").read_text())
    out = judge_cli("test", "toy", pack)
    assert "1/1 public tests passed" in out.stdout
    # the pack also runs with plain pytest
    plain = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=pack,
                           capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stdout
    assert judge_cli("init", "toy", pack).returncode == 2  # never overwrites


def test_verify_passes_on_the_fixture_problem(judge_cli):
    proc = judge_cli("verify", "toy", "--backend", "local", "-j", "2")
    assert proc.returncode == 0, proc.stdout
    assert "OK: 0 errors" in proc.stdout


def test_verify_samples_filter_judges_only_those_verdicts_on_every_variant(judge_cli, fixture_root):
    proc = judge_cli("verify", "toy", "--backend", "local", "-j", "2", "--all-variants", "--samples", "accepted")
    assert proc.returncode == 0, proc.stdout
    judged = [line.split()[2] for line in proc.stdout.splitlines()
              if line.startswith("OK") and "(variant" in line]
    accepted = sorted(p.name for p in (fixture_root / "submissions" / "toy" / "accepted").iterdir())
    variants = problems.load("toy", fixture_root).variants
    assert sorted(judged) == sorted(f"accepted/{name}" for name in accepted for _ in range(variants))


def test_verify_fails_on_a_wrong_sample_verdict(judge_cli, fixture_root, tmp_path, monkeypatch):
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(fixture_root, root)
    bad = root / "submissions" / "toy" / "accepted" / "not-really"
    shutil.copytree(root / "submissions" / "toy" / "partial" / "no-scale", bad)
    env_root = {"JUDGE_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "judge.cli", "verify", "toy", "--backend", "local"],
                          capture_output=True, text=True, env={**os.environ, **env_root}, timeout=300)
    assert proc.returncode == 1
    assert "accepted/not-really: got partial" in proc.stdout


def test_submit_for_the_candidate_audience_hides_details(judge_cli, fixture_root):
    sample = fixture_root / "submissions" / "toy" / "partial" / "no-scale"
    proc = judge_cli("submit", "toy", sample, "--backend", "local", "--json", "--audience", "candidate")
    doc = json.loads(proc.stdout)
    assert doc["audience"] == "candidate" and doc["verdict"] == "partial"
    assert "run" not in doc and "seed" not in doc
    assert all(set(c) == {"name", "status"} for t in doc["tests"] for c in t["checks"])
