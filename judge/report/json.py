"""The JSON report: the view as JSON.

Interviewer: the result document (``judge.result/1``) unchanged, plus
``audience`` and ``sources`` (the submission's files) when they were loaded.
Candidate: the whitelisted view (``judge.result.candidate/1``, see audience.py),
plus labels in the candidate's language beside the values a human reads
(``verdict_label``, ``verdict_explanation``, each test's ``outcome_label`` and
each check's ``status_label``); keys and enum values stay English.
"""
from __future__ import annotations

import json

from ..i18n import EN, Translator
from . import fields


def labelled(view: dict, _: Translator = EN) -> dict:
    out = dict(view, verdict_label=fields.verdict_label(view.get("verdict"), _),
               verdict_explanation=fields.verdict_explanation(view.get("verdict"), _))
    out["tests"] = [dict(t, outcome_label=fields.outcome_label(fields.shown_outcome(t), _),
                         checks=[dict(c, status_label=fields.status_label(c["status"], _)) for c in t.get("checks", [])])
                    for t in view.get("tests", [])]
    return out


def render(view: dict, _: Translator = EN) -> str:
    if view.get("audience") == "candidate":
        view = labelled(view, _)
    return json.dumps(view, indent=2, ensure_ascii=False) + "\n"
