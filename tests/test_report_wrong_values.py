"""A test pytest passed whose values do not match reads "wrong values" in every format; the interviewer's
HTML plots a short 1-D mismatch, and no candidate view holds the series."""
import json

import numpy as np
import pytest

from judge import report as reports
from judge.score import series_pair

DOC = {
    "schema": "judge.result/1", "id": 3, "problem": "toy", "problem_version": 1, "verdict": "partial",
    "score": 50.0, "earned": 1.0, "total": 2.0, "seed": 7, "variant": 0, "backend": "local", "message": "1 of 2 points",
    "created": 0.0, "tests": [
        {"name": "test_hidden.py::test_history", "weight": 1.0, "earned": 0.0, "outcome": "passed", "message": "",
         "details": "", "duration": 0.1,
         "checks": [{"name": "losses", "status": "mismatch", "reason": "3 of 4 values out of tolerance",
                     "max_abs_err": 0.5, "rtol": 1e-6, "atol": 0.0,
                     "series": series_pair(np.array([4.0, 3.0, 2.5, 2.25]), np.array([4.0, 3.5, 3.0, 2.75]))}]},
        {"name": "test_hidden.py::test_ok", "weight": 1.0, "earned": 1.0, "outcome": "passed", "message": "",
         "details": "", "duration": 0.1, "checks": [{"name": "x", "status": "match"}]},
    ], "run": None,
}


@pytest.mark.parametrize("fmt", reports.FORMATS)
@pytest.mark.parametrize("audience", reports.AUDIENCES)
def test_passed_with_mismatched_values_reads_wrong_values(fmt, audience):
    text = reports.render(DOC, fmt, audience)
    assert "wrong values" in text, text[:2000]
    if audience == "candidate":  # 2.25: a reference value of the series
        assert "series" not in text and "<svg" not in text and "2.25" not in text
    elif fmt in ("json", "html"):
        assert "2.25" in text


def test_interviewer_html_plots_the_series_as_inline_svg():
    html = reports.render(DOC, "html", "interviewer")
    assert html.count("<svg") == 1 and "series-reference" in html and "series-candidate" in html
    assert "<script" not in html


def test_series_kept_only_for_short_numeric_1d_values():
    assert series_pair(np.arange(3.0), np.arange(3.0) + 1)["candidate"] == [1.0, 2.0, 3.0]
    assert series_pair(np.ones((2, 2)), np.ones((2, 2))) is None
    assert series_pair(np.arange(500.0), np.arange(500.0)) is None
    assert series_pair(np.array([1.0, np.nan]), np.array([1.0, 2.0]))["reference"] == [1.0, None]
    assert series_pair(np.arange(3.0), None) is None
    json.dumps(series_pair(np.array([np.inf, 1.0]), np.array([1.0, 2.0])), allow_nan=False)
