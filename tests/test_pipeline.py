"""The whole pipeline on the fixture problem, local backend, real pytest runs."""
import json
import shutil

import pytest

from judge import service
from judge.store import Store


pytestmark = pytest.mark.usefixtures("fixture_root")


def submit(path, local_backend, **kw):
    return service.submit("toy", path, backend=local_backend, **kw)


def test_reference_is_accepted_and_starter_gets_zero(fixture_root, local_backend):
    doc = submit(fixture_root / "reference" / "toy", local_backend)
    assert (doc["verdict"], doc["score"]) == ("accepted", 100.0)
    assert doc["schema"] == "judge.result/1"
    for key in ("id", "problem", "verdict", "score", "seed", "backend", "tests"):
        assert key in doc
    t = doc["tests"][0]
    assert {"name", "weight", "earned", "outcome", "checks"} <= set(t)
    doc = submit(fixture_root / "problems" / "toy" / "starter", local_backend)
    assert (doc["verdict"], doc["score"]) == ("wrong_answer", 0.0)


def test_patched_comparisons_and_zeros_score_zero(sample, local_backend):
    doc = submit(sample("wrong_answer", "zeros"), local_backend)
    assert doc["verdict"] == "wrong_answer" and doc["score"] == 0.0


def test_forged_outcomes_earn_nothing(tmp_path, local_backend):
    """The submission writes 'passed' lines for every test into the output folder at import."""
    d = tmp_path / "forger"
    d.mkdir()
    (d / "solution.py").write_text(
        "import json, os, sys\n"
        "out = sys.argv[sys.argv.index('--out') + 1]\n"
        "with open(os.path.join(out, 'outcomes.jsonl'), 'a') as fh:\n"
        "    for t in ('test_scale', 'test_total', 'test_total_is_float'):\n"
        "        fh.write(json.dumps({'id': 'test_hidden.py::' + t, 'outcome': 'passed', 'checks': []}) + '\\n')\n"
        "def scale(x, a): return 0 * x\n"
        "def total(x): return 0.0\n")
    doc = submit(d, local_backend)
    assert doc["score"] == 0.0
    assert doc["verdict"] == "wrong_answer"
    assert any("more than once" in p for p in doc["run"]["problems"])


def test_each_verdict_from_the_samples(sample, local_backend):
    for verdict, name in [("partial", "no-scale"), ("runtime_error", "import-crash"),
                          ("compilation_error", "syntax"), ("invalid_submission", "imports-os"),
                          ("memory_limit_exceeded", "hog"), ("time_limit_exceeded", "spin")]:
        doc = submit(sample(verdict, name), local_backend)
        assert doc["verdict"] == verdict, (name, doc["message"])
    assert "solution.py:1" in submit(sample("compilation_error", "syntax"), local_backend)["message"]


def test_wall_limit_gives_tle_and_keeps_finished_points(tmp_path, fixture_root, local_backend, monkeypatch):
    d = tmp_path / "slow-total"
    d.mkdir()
    # scale is right; total blocks in one long C call the per-test signal cannot interrupt
    (d / "solution.py").write_text(
        "import numpy as np\n"
        "def scale(x, a): return a * np.asarray(x, dtype=float)\n"
        "def total(x):\n"
        "    import ctypes\n"
        "    ctypes.CDLL(None).sleep(60)\n")
    from judge import problem
    from judge.reference import reference_output

    prob = problem.load("toy", fixture_root)
    reference_output(prob, 11, local_backend)  # cached under the normal limits
    prob.limits.wall_seconds = 4
    monkeypatch.setattr(problem, "load", lambda *a, **k: prob)
    doc = submit(d, local_backend, seed=11)
    assert doc["verdict"] == "time_limit_exceeded"
    assert doc["run"]["timed_out"] and doc["run"]["wall_seconds"] < 8
    assert doc["score"] == 50.0  # test_scale (2 of 4 points) finished before the kill


def test_reference_records_are_cached_per_seed(fixture_root, local_backend, judge_home):
    submit(fixture_root / "reference" / "toy", local_backend, seed=5)
    cached = list((judge_home / "cache" / "reference" / "toy").glob("*/*/5/session.json"))
    assert len(cached) == 1
    before = cached[0].stat().st_mtime_ns
    submit(fixture_root / "reference" / "toy", local_backend, seed=5)
    assert cached[0].stat().st_mtime_ns == before


def test_broken_reference_is_an_internal_error(fixture_root, tmp_path, local_backend, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(fixture_root, root)
    (root / "reference" / "toy" / "solution.py").write_text("def scale(x, a): return x\ndef total(x): raise ValueError\n")
    monkeypatch.setenv("JUDGE_ROOT", str(root))
    doc = service.submit("toy", root / "reference" / "toy", backend=local_backend, root=root)
    assert doc["verdict"] == "internal_error" and "reference" in doc["message"]


def test_store_keeps_submission_and_rejudge_reuses_seed(sample, local_backend, judge_home):
    doc = submit(sample("partial", "no-scale"), local_backend)
    store = Store()
    sub = store.load_submission(doc["id"])
    assert sub.files["solution.py"] == (sample("partial", "no-scale") / "solution.py").read_bytes()
    again = service.rejudge(doc["id"], backend=local_backend)
    assert again["seed"] == doc["seed"] and again["score"] == doc["score"]
    assert store.latest_result(doc["id"])["rejudge_of"] == doc["created"]
    assert (judge_home / "judge.db").is_file()


def test_invalid_submissions_are_stored_too(tmp_path, local_backend):
    (tmp_path / "empty").mkdir()
    doc = submit(tmp_path / "empty", local_backend)
    assert doc["verdict"] == "invalid_submission" and "missing solution.py" in doc["message"]
    assert Store().submission(doc["id"])["invalid"]


def test_stop_early_ends_at_the_first_failed_test_and_still_compares_checks(tmp_path, fixture_root, local_backend):
    """Mutation runs stop at the first failed test: the tests after it are not run, while a
    test that passed pytest before it still loses its point on a check that differs."""
    from judge import problem
    from judge.intake import Submission
    from judge.pipeline import judge

    prob = problem.load("toy", fixture_root)
    files = {"solution.py": b"import numpy as np\n"
                            b"def scale(x, a): return (a + 1) * np.asarray(x, dtype=float)\n"
                            b"def total(x): raise ValueError('boom')\n"}
    full = judge(prob, Submission(files=files, source="t"), 5, local_backend)
    early = judge(prob, Submission(files=files, source="t"), 5, local_backend, stop_early=True)
    outcomes = lambda doc: [(t["name"].split("::")[-1], t["outcome"], t["earned"]) for t in doc["tests"]]
    assert outcomes(full) == [("test_scale", "passed", 0.0), ("test_total", "failed", 0.0),
                              ("test_total_is_float", "failed", 0.0)]
    assert outcomes(early) == [("test_scale", "passed", 0.0), ("test_total", "failed", 0.0),
                               ("test_total_is_float", "not_run", 0.0)]
    assert early["verdict"] == full["verdict"] == "wrong_answer" and early["stopped_early"] is True
    assert "stopped_early" not in full
    assert early["tests"][0]["checks"][0]["status"] == "mismatch"


def test_stop_at_timeout_ends_at_the_first_timed_out_test_with_the_full_runs_verdict(fixture_root, local_backend):
    """verify judges samples this way: a submission that hangs in several tests costs one
    per-test limit instead of the wall limit, and its verdict cannot change."""
    from judge import problem
    from judge.intake import Submission
    from judge.pipeline import judge
    from judge.reference import reference_output

    prob = problem.load("toy", fixture_root)
    reference_output(prob, 5, local_backend)
    prob.limits.test_seconds = 1.5
    files = {"solution.py": b"import numpy as np\n"
                            b"def scale(x, a): return a * np.asarray(x, dtype=float)\n"
                            b"def total(x):\n    while True:\n        pass\n"}
    sub = Submission(files=files, source="t")
    full = judge(prob, sub, 5, local_backend)
    cut = judge(prob, sub, 5, local_backend, stop_at_timeout=True)
    outcomes = lambda doc: [(t["name"].split("::")[-1], t["outcome"], t["earned"]) for t in doc["tests"]]
    assert outcomes(full) == [("test_scale", "passed", 2.0), ("test_total", "timeout", 0.0),
                              ("test_total_is_float", "timeout", 0.0)]
    assert outcomes(cut) == [("test_scale", "passed", 2.0), ("test_total", "timeout", 0.0),
                             ("test_total_is_float", "not_run", 0.0)]
    assert cut["verdict"] == full["verdict"] == "time_limit_exceeded" and cut["stopped_at_timeout"] is True
    assert "stopped_at_timeout" not in full
    assert cut["run"]["wall_seconds"] < full["run"]["wall_seconds"]
