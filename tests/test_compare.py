import numpy as np
import pytest

from judge.compare import compare


def test_equal_values_match():
    r = np.linspace(-1, 1, 10)
    assert compare("x", r, r.copy(), 1e-6, 1e-8).status == "match"


def test_tolerance_is_atol_plus_rtol_times_reference():
    r = np.array([100.0, 0.0])
    assert compare("x", r, np.array([100.0 + 1e-4, 5e-9]), 1e-6, 1e-8).status == "match"
    res = compare("x", r, np.array([100.0 + 1e-3, 0.0]), 1e-6, 1e-8)
    assert res.status == "mismatch" and res.mismatched == 1
    assert res.max_abs_err == pytest.approx(1e-3)
    assert res.max_rel_err == pytest.approx(1e-5)


def test_all_zeros_fail_against_nonzero_reference():
    r = np.random.default_rng(0).standard_normal((4, 5))
    res = compare("x", r, np.zeros_like(r), 1e-5, 1e-8)
    assert res.status == "mismatch" and res.mismatched == r.size


def test_shape_and_kind_must_agree():
    r = np.ones((2, 3))
    assert "shape" in compare("x", r, np.ones((3, 2)), 1, 1).reason
    assert "dtype" in compare("x", r, np.ones((2, 3), dtype=np.int64), 1, 1).reason
    # signed and unsigned ints are one kind
    assert compare("x", np.array([1, 2]), np.array([1, 2], dtype=np.uint8), 0, 0).status == "match"


def test_nan_only_where_reference_has_nan():
    r = np.array([np.nan, 1.0])
    assert compare("x", r, np.array([np.nan, 1.0]), 0, 0).status == "match"
    assert compare("x", np.array([1.0, 1.0]), np.array([np.nan, 1.0]), 1, 1).status == "mismatch"
    assert compare("x", r, np.array([0.0, 1.0]), 1, 1).status == "mismatch"


def test_infinities_match_only_the_same_infinity():
    r = np.array([np.inf, -np.inf])
    assert compare("x", r, r.copy(), 0, 0).status == "match"
    assert compare("x", r, -r, 1, 1).status == "mismatch"
    assert compare("x", np.array([1e308]), np.array([np.inf]), 1, 1).status == "mismatch"


def test_bools_and_strings_compare_exactly():
    assert compare("b", np.array(True), np.array(True), 0, 0).status == "match"
    assert compare("b", np.array(True), np.array(False), 0, 0).status == "mismatch"
    assert compare("s", np.array("relu"), np.array("tanh"), 0, 0).status == "mismatch"


def test_missing_value():
    assert compare("x", np.ones(2), None, 1, 1).status == "missing"
