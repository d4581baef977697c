"""Variant seeds from the installation's secret (judge/secret.py)."""
import hashlib
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from judge import problem as problems
from judge import secret, service
from judge.errors import UsageError
from judge.store import Store

from .conftest import FIXTURE_ROOT, REPO


@pytest.fixture(autouse=True)
def no_env_secret(monkeypatch):
    monkeypatch.delenv(secret.ENV, raising=False)


def seeds(prob, n=None):
    return [prob.seed_for_variant(v) for v in range(n or prob.variants)]


def test_the_key_is_made_on_first_use_as_32_private_bytes(judge_home):
    path = judge_home / "secret.key"
    assert not path.exists()
    key = secret.key()
    assert path.read_bytes() == key and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret.key() == key  # read back, not made again
    assert [p.name for p in judge_home.iterdir()] == ["secret.key"]  # no temporary file left


def test_one_home_gives_stable_seeds_two_homes_different_ones(tmp_path, monkeypatch):
    prob = problems.load("numpy-backprop", REPO)
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "a"))
    first = seeds(prob)
    assert seeds(prob) == first and len(set(first)) == len(first)
    assert all(0 <= s < 2 ** 31 for s in first)
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "b"))
    other = seeds(prob)
    assert other != first and not set(other) & set(first)
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "a"))
    assert seeds(prob) == first


def test_the_seed_is_not_the_public_hash_of_the_problem(judge_home):
    """What round 1 did (sha256 of id:version:variant), a candidate could compute."""
    prob = problems.load("numpy-backprop", REPO)
    public = int.from_bytes(hashlib.sha256(f"{prob.id}:{prob.version}:0".encode()).digest()[:4], "big") & 0x7FFFFFFF
    assert prob.seed_for_variant(0) != public


def test_seeds_depend_on_problem_version_and_variant(judge_home):
    base = secret.variant_seed("p", 1, 0)
    assert len({base, secret.variant_seed("p", 2, 0), secret.variant_seed("p", 1, 1),
                secret.variant_seed("q", 1, 0)}) == 4


def test_the_environment_secret_overrides_the_file_and_agrees_across_homes(tmp_path, monkeypatch):
    prob = problems.load("toy", FIXTURE_ROOT)
    monkeypatch.setenv(secret.ENV, "shared by the judging machines")
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "a"))
    a = seeds(prob)
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "b"))
    assert seeds(prob) == a
    assert not (tmp_path / "a" / "secret.key").exists()  # no file needed
    monkeypatch.setenv(secret.ENV, "another secret")
    assert seeds(prob) != a


def test_concurrent_first_uses_agree_on_one_key(judge_home):
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: secret.key(), range(32)))
    assert len(keys) == 1 and (judge_home / "secret.key").read_bytes() in keys


def test_a_damaged_key_file_is_a_clear_error(judge_home):
    judge_home.mkdir(parents=True, exist_ok=True)
    (judge_home / "secret.key").write_bytes(b"short")
    with pytest.raises(UsageError, match=r"secret.key holds 5 bytes, not 32"):
        problems.load("toy", FIXTURE_ROOT).seed_for_variant(0)


def test_problem_does_not_import_the_store():
    code = "import sys, judge.problem; sys.exit('judge.store' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO).returncode == 0


def test_every_caller_gets_a_variant_seed(judge_home, fixture_root, tmp_path):
    """service.choose_seed (submit), batch.batch_seed and verify's default all use seed_for_variant."""
    from judge.batch import batch_seed

    prob = problems.load("toy", fixture_root)
    allowed = set(seeds(prob))
    seed, variant = service.choose_seed(prob, None)
    assert seed == prob.seed_for_variant(variant) and seed in allowed
    assert service.choose_seed(prob, 5) == (5, None)
    seed, variant = batch_seed(prob, tmp_path / "batch-out", None)
    assert seed in allowed and seed == prob.seed_for_variant(variant)
    assert batch_seed(prob, tmp_path / "batch-out", None) == (seed, variant)  # kept in the output folder


def test_verify_runs_on_the_secret_seed(judge_home, fixture_root, local_backend):
    from judge.verify import verify_problem

    prob = problems.load("toy", fixture_root)
    found = verify_problem(prob, local_backend, emit_line=None, only_samples=["loop"])
    assert not [f.line() for f in found if f.level == "error"]
    assert any(f"(seed {prob.seed_for_variant(0)})" in f.text for f in found)
    assert any(f.text.startswith("accepted/loop: accepted") for f in found)


def test_rejudge_reproduces_the_stored_seed_after_the_secret_changes(judge_home, fixture_root, local_backend,
                                                                      monkeypatch):
    doc = service.submit("toy", fixture_root / "submissions" / "toy" / "partial" / "no-scale",
                         backend=local_backend)
    assert doc["variant"] is not None
    assert doc["seed"] == problems.load("toy", fixture_root).seed_for_variant(doc["variant"])
    (judge_home / "secret.key").unlink()  # a new secret: new variant seeds from now on
    monkeypatch.setenv(secret.ENV, "a different installation")
    assert problems.load("toy", fixture_root).seed_for_variant(doc["variant"]) != doc["seed"]
    again = service.rejudge(doc["id"], backend=local_backend)
    assert (again["seed"], again["variant"]) == (doc["seed"], doc["variant"])
    assert (again["verdict"], again["score"]) == (doc["verdict"], doc["score"])
    assert [t["checks"] for t in again["tests"]] == [t["checks"] for t in doc["tests"]]
    assert Store().latest_result(doc["id"])["seed"] == doc["seed"]
