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

from ..i18n import EN, Translator
from . import fields


def _output(t: dict, _: Translator = EN) -> str:
    lines = []
    if fields.shown_outcome(t) != "passed":
        lines.append(fields.test_label(t, _) + (f": {t['message']}" if t.get("message") else ""))
    lines += [fields.check_text(c, _) for c in t.get("checks", [])]
    if t.get("details"):
        lines += ["", t["details"]]
    return "\n".join(lines)


def results(v: dict, _: Translator = EN) -> dict:
    interviewer = v.get("audience") == "interviewer"
    visibility = "hidden" if interviewer else "visible"
    out = {
        "score": round(float(v.get("score", 0.0)), 2),
        "max_score": 100.0,
        "output": f"{fields.verdict_label(v['verdict'], _)}: {v.get('message', '')}".strip(),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": [],
    }
    flags = fields.integrity(v)
    if flags:  # interviewer views only
        out["output"] += "\n\nIntegrity: {} flag(s), code that hides what it calls\n".format(len(flags)) + \
            "\n".join(fields.integrity_line(f) for f in flags)
    run = v.get("run") or {}
    if interviewer and run.get("wall_seconds") is not None:
        out["execution_time"] = round(float(run["wall_seconds"]), 3)
    for n, t in enumerate(v.get("tests") or [], start=1):
        full = t.get("earned", 0) >= t.get("weight", 0) and t["outcome"] == "passed"
        out["tests"].append({
            "name": t["name"], "number": str(n),
            "score": float(t.get("earned", 0)), "max_score": float(t.get("weight", 0)),
            "status": "passed" if full else "failed",
            "output": _output(t, _), "visibility": visibility,
        })
    if interviewer:
        out["extra_data"] = {k: val for k, val in fields.reproducibility(v)}
        out["extra_data"]["verdict"] = v["verdict"]
        if flags:
            out["extra_data"]["integrity"] = [fields.integrity_line(f) for f in flags]
    return out


def render(v: dict, _: Translator = EN) -> str:
    return json.dumps(results(v, _), indent=2, ensure_ascii=False) + "\n"
