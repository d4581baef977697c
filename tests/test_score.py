import numpy as np

from judge.outputs import RunOutput, TestRecord
from judge.score import reference_problems, score


def _out(tests, collected=None):
    out = RunOutput(collected=collected, session={"exitstatus": 0})
    for tid, outcome, checks in tests:
        out.tests[tid] = TestRecord(id=tid, outcome=outcome, checks={
            name: {"rtol": 1e-6, "atol": 1e-9, "exact": False, "value": np.asarray(v)} for name, v in checks.items()})
    return out


REF = _out([("t.py::a", "passed", {"x": [1.0, 2.0]}), ("t.py::b", "passed", {"y": 3.0, "z": 4.0})],
           collected=[{"id": "t.py::a", "weight": 3.0}, {"id": "t.py::b", "weight": 1.0}])


def test_full_marks_need_pass_and_every_check():
    cand = _out([("t.py::a", "passed", {"x": [1.0, 2.0]}), ("t.py::b", "passed", {"y": 3.0, "z": 4.0})])
    s = score(REF, cand)
    assert (s.earned, s.total, s.percent) == (4.0, 4.0, 100.0)


def test_a_passing_test_with_a_wrong_value_earns_nothing():
    cand = _out([("t.py::a", "passed", {"x": [1.0, 2.0]}), ("t.py::b", "passed", {"y": 3.0, "z": 0.0})])
    s = score(REF, cand)
    assert s.percent == 75.0
    assert [c["status"] for c in s.tests[1].checks] == ["match", "mismatch"]


def test_a_failed_test_earns_nothing_even_if_values_match():
    cand = _out([("t.py::a", "failed", {"x": [1.0, 2.0]}), ("t.py::b", "passed", {"y": 3.0, "z": 4.0})])
    assert score(REF, cand).percent == 25.0


def test_missing_check_and_not_run():
    cand = _out([("t.py::a", "passed", {})])
    s = score(REF, cand)
    assert s.percent == 0.0
    assert s.tests[0].checks[0]["status"] == "missing"
    assert s.tests[1].outcome == "not_run"


def test_weights_come_from_the_reference_and_overrides():
    cand = _out([("t.py::a", "passed", {"x": [1.0, 2.0]})], collected=[{"id": "t.py::a", "weight": 100.0}])
    assert score(REF, cand).total == 4.0
    assert score(REF, cand, {"a": 1.0}).percent == 50.0


def test_extra_candidate_tests_are_ignored():
    cand = _out([("t.py::a", "passed", {"x": [1.0, 2.0]}), ("t.py::b", "passed", {"y": 3.0, "z": 4.0}),
                 ("t.py::forged", "passed", {})])
    assert [t.name for t in score(REF, cand).tests] == ["t.py::a", "t.py::b"]


def test_reference_problems_are_reported():
    bad = _out([("t.py::a", "failed", {})], collected=[{"id": "t.py::a", "weight": 1.0},
                                                       {"id": "t.py::b", "weight": 1.0}])
    found = reference_problems(bad)
    assert any("failed on the reference" in f for f in found)
    assert any("did not finish" in f for f in found)
