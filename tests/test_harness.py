"""The in-sandbox harness, run for real through pytest (local, no sandbox needed)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from judge.harness import records as rec
from judge.outputs import read_output

REPO = Path(__file__).resolve().parent.parent


def run_harness(tmp_path, test_code, solution_code, seed=3, timeout=5, extra=()):
    tests, sub, out = tmp_path / "tests", tmp_path / "sub", tmp_path / "out"
    tests.mkdir(parents=True)
    sub.mkdir(parents=True)
    (tests / "test_x.py").write_text(test_code)
    (sub / "solution.py").write_text(solution_code)
    proc = subprocess.run([sys.executable, "-m", "judge.harness.run", "--tests", str(tests), "--submission",
                           str(sub), "--out", str(out), "--seed", str(seed), "--test-timeout", str(timeout), *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    return proc, read_output(out)


def test_check_records_nested_values_and_weights(tmp_path):
    tests = ("import pytest\n@pytest.mark.weight(4)\ndef test_a(check, rng, solution):\n"
             "    check('v', {'w': rng.standard_normal(3), 'n': [1, 2.5]}, rtol=1e-3)\n")
    _, out = run_harness(tmp_path, tests, "")
    assert out.collected == [{"id": "test_x.py::test_a", "weight": 4.0}]
    checks = out.tests["test_x.py::test_a"].checks
    assert sorted(checks) == ["v/n", "v/w"]
    assert checks["v/w"]["rtol"] == 1e-3 and checks["v/w"]["value"].shape == (3,)


def test_rng_depends_on_seed_and_test(tmp_path):
    tests = "def test_a(check, rng):\n    check('x', rng.random(2))\ndef test_b(check, rng):\n    check('x', rng.random(2))\n"
    _, o1 = run_harness(tmp_path / "1", tests, "", seed=1)
    _, o2 = run_harness(tmp_path / "2", tests, "", seed=1)
    _, o3 = run_harness(tmp_path / "3", tests, "", seed=2)
    a1, b1 = (o1.tests[f"test_x.py::test_{n}"].checks["x"]["value"] for n in "ab")
    np.testing.assert_array_equal(a1, o2.tests["test_x.py::test_a"].checks["x"]["value"])
    assert not np.array_equal(a1, b1)
    assert not np.array_equal(a1, o3.tests["test_x.py::test_a"].checks["x"]["value"])


def test_torch_and_tensorflow_values_become_arrays():
    torch = pytest.importorskip("torch")
    t = torch.ones(2, 3, requires_grad=True) * 2
    assert rec.leaf_array(t).shape == (2, 3)
    assert rec.leaf_array(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
    tf = pytest.importorskip("tensorflow")
    assert rec.leaf_array(tf.Variable([[1.0, 2.0]])).shape == (1, 2)
    assert rec.leaf_array(tf.constant(3)).dtype.kind == "i"


def test_unrecordable_values_are_refused():
    with pytest.raises(rec.RecordError):
        rec.leaf_array(object())
    with pytest.raises(rec.RecordError):
        rec.finite_float(float("nan"))


def test_import_error_is_recorded_and_every_test_errors(tmp_path):
    tests = "def test_a(solution):\n    pass\ndef test_b(solution):\n    pass\n"
    _, out = run_harness(tmp_path, tests, "raise ValueError('nope')\n")
    assert "ValueError while importing solution: nope" in out.import_error
    assert {t.outcome for t in out.tests.values()} == {"error"}


def test_sys_exit_at_import_does_not_end_the_run(tmp_path):
    _, out = run_harness(tmp_path, "def test_a(solution):\n    pass\n", "import sys\nsys.exit(0)\n")
    assert "SystemExit" in out.import_error and out.session is not None


def test_os_exit_at_import_leaves_no_session(tmp_path):
    _, out = run_harness(tmp_path, "def test_a(solution):\n    pass\n", "import os\nos._exit(0)\n")
    assert out.session is None and out.tests == {}


def test_per_test_timeout_keeps_earlier_results(tmp_path):
    tests = ("import time\ndef test_a(check):\n    check('x', 1.0)\n"
             "def test_b(check, solution):\n    time.sleep(30)\n")
    _, out = run_harness(tmp_path, tests, "", timeout=1)
    assert out.tests["test_x.py::test_a"].outcome == "passed"
    assert out.tests["test_x.py::test_b"].outcome == "timeout"


def test_checking_one_name_twice_is_an_error(tmp_path):
    _, out = run_harness(tmp_path, "def test_a(check):\n    check('x', 1)\n    check('x', 2)\n", "")
    assert out.tests["test_x.py::test_a"].outcome == "failed"


def test_repo_pytest_settings_do_not_leak_into_runs(tmp_path):
    # a test folder inside the repository still gets the harness's own ini
    proc, out = run_harness(tmp_path, "def test_a(check):\n    check('x', 1)\n", "")
    assert out.session["exitstatus"] == 0, proc.stdout


def test_maxfail_stops_after_the_first_failure_as_an_ordinary_failed_run(tmp_path):
    tests = ("def test_a(check):\n    check('x', 1)\n"
             "def test_b():\n    assert False\n"
             "def test_c(check):\n    check('x', 3)\n")
    _, out = run_harness(tmp_path, tests, "", extra=("--maxfail", "1"))
    assert [t["id"].split("::")[-1] for t in out.collected] == ["test_a", "test_b", "test_c"]
    assert {k.split("::")[-1]: t.outcome for k, t in out.tests.items()} == {"test_a": "passed", "test_b": "failed"}
    assert out.session["exitstatus"] == 1  # tests failed, not interrupted: the judge sees no crash
