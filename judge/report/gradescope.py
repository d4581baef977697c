"""Gradescope's ``results.json`` (autograder specification: score, tests[], visibility).

Top level: ``score`` is the submission's score out of ``max_score`` 100 (it
overrides the sum of the tests), ``output`` the verdict and its message,
``execution_time`` the run's wall time. One entry in ``tests`` per hidden test,
with ``score``/``max_score`` its points (earned / weight), ``status``
passed|failed and ``output`` one line per message and check.

Gradescope shows instructors everything and students only what is visible,
so the audience sets visibility: a candidate file marks every test
``visible`` (its view holds nothing hidden); an interviewer file carries the
failure details and marks the tests and stdout ``hidden``.
"""
from __future__ import annotations

import json

from . import fields


def _output(t: dict) -> str:
    lines = []
    if fields.outcome_label(t) != "passed":
        lines.append(f"{fields.outcome_label(t)}" + (f": {t['message']}" if t.get("message") else ""))
    lines += [fields.check_text(c) for c in t.get("checks", [])]
    if t.get("details"):
        lines += ["", t["details"]]
    return "\n".join(lines)


def results(v: dict) -> dict:
    interviewer = v.get("audience") == "interviewer"
    visibility = "hidden" if interviewer else "visible"
    out = {
        "score": round(float(v.get("score", 0.0)), 2),
        "max_score": 100.0,
        "output": f"{fields.verdict_label(v['verdict'])}: {v.get('message', '')}".strip(),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": [],
    }
    run = v.get("run") or {}
    if interviewer and run.get("wall_seconds") is not None:
        out["execution_time"] = round(float(run["wall_seconds"]), 3)
    for n, t in enumerate(v.get("tests") or [], start=1):
        full = t.get("earned", 0) >= t.get("weight", 0) and t["outcome"] == "passed"
        out["tests"].append({
            "name": t["name"], "number": str(n),
            "score": float(t.get("earned", 0)), "max_score": float(t.get("weight", 0)),
            "status": "passed" if full else "failed",
            "output": _output(t), "visibility": visibility,
        })
    if interviewer:
        out["extra_data"] = {k: val for k, val in fields.reproducibility(v)}
        out["extra_data"]["verdict"] = v["verdict"]
    return out


def render(v: dict) -> str:
    return json.dumps(results(v), indent=2, ensure_ascii=False) + "\n"
