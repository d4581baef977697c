"""The JSON report: the view as JSON.

Interviewer: the result document (``judge.result/1``) unchanged, plus
``audience`` and ``sources`` (the submission's files) when they were loaded.
Candidate: the whitelisted view (``judge.result.candidate/1``, see audience.py).
"""
from __future__ import annotations

import json


def render(view: dict) -> str:
    return json.dumps(view, indent=2, ensure_ascii=False) + "\n"
