"""Score a candidate run against the reference run (DESIGN.md, Scoring).

The reference decides which tests exist, their weights and every check's
tolerance; the candidate's output only supplies outcomes and values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .compare import compare
from .outputs import RunOutput


@dataclass
class TestScore:
    __test__ = False  # not a pytest class

    name: str
    weight: float
    earned: float
    outcome: str
    duration: float = 0.0
    message: str = ""
    details: str = ""
    checks: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Score:
    tests: list[TestScore]
    earned: float
    total: float

    @property
    def percent(self) -> float:
        if self.total <= 0:
            return 0.0
        if self.earned >= self.total:
            return 100.0
        return round(100.0 * self.earned / self.total, 2)


SERIES_MAX = 200  # a mismatched 1-D check this short keeps both values for the interviewer's plot


def _as_list(a) -> list | None:
    import numpy as np

    if not isinstance(a, np.ndarray) or a.ndim != 1 or not 2 <= a.size <= SERIES_MAX or a.dtype.kind not in "biuf":
        return None
    return [float(x) if np.isfinite(x) else None for x in a.astype(np.float64)]


def series_pair(ref, cand) -> dict | None:
    """Both values of a short 1-D numeric check (a loss history, a trajectory), or None."""
    r, c = _as_list(ref), _as_list(cand)
    return {"reference": r, "candidate": c} if r is not None and c is not None else None


def test_function(test_id: str) -> str:
    return test_id.split("::")[-1].split("[")[0]


def reference_problems(ref: RunOutput) -> list[str]:
    """Why a reference run cannot serve as the expected answer (empty when it can)."""
    found = list(ref.problems)
    if ref.collected is None:
        found.append("the reference run collected no tests")
        return found
    if ref.import_error:
        found.append(f"the reference failed to import: {ref.import_error}")
    for item in ref.collected:
        t = ref.tests.get(item["id"])
        if t is None:
            found.append(f"{item['id']}: the reference run did not finish it")
        elif t.outcome != "passed":
            found.append(f"{item['id']}: {t.outcome} on the reference: {t.message}")
        elif any(c["value"] is None for c in t.checks.values()):
            found.append(f"{item['id']}: reference records are incomplete")
    return found


def score(ref: RunOutput, cand: RunOutput, weights: dict[str, float] | None = None) -> Score:
    weights = weights or {}
    tests: list[TestScore] = []
    for item in ref.collected or []:
        tid = item["id"]
        weight = float(weights.get(test_function(tid), item["weight"]))
        got = cand.tests.get(tid)
        ts = TestScore(name=tid, weight=weight, earned=0.0, outcome=got.outcome if got else "not_run")
        if got:
            ts.duration, ts.message, ts.details = round(got.duration, 3), got.message, got.details
        ref_test = ref.tests[tid]
        all_match = True
        for cname, rmeta in ref_test.checks.items():
            rtol, atol = (0.0, 0.0) if rmeta["exact"] else (float(rmeta["rtol"]), float(rmeta["atol"]))
            cval = got.checks.get(cname, {}).get("value") if got else None
            res = compare(cname, rmeta["value"], cval, rtol, atol)
            all_match &= res.status == "match"
            ts.checks.append(res.to_dict())
            if res.status == "mismatch":
                pair = series_pair(rmeta["value"], cval)
                if pair:  # interviewer audience only: audience.for_candidate never copies it
                    ts.checks[-1]["series"] = pair
        if ts.outcome == "passed" and all_match:
            ts.earned = weight
        tests.append(ts)
    total = sum(t.weight for t in tests)
    earned = sum(t.earned for t in tests)
    return Score(tests=tests, earned=earned, total=total)
