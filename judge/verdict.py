"""Verdicts, written down once, in priority order (DESIGN.md).

The first verdict whose condition holds is the submission's verdict.
"""
from __future__ import annotations

from dataclasses import dataclass

ORDER = (
    "internal_error",
    "invalid_submission",
    "compilation_error",
    "time_limit_exceeded",
    "memory_limit_exceeded",
    "runtime_error",
    "accepted",
    "partial",
    "wrong_answer",
)

TEST_OUTCOMES = ("passed", "failed", "error", "timeout", "skipped", "not_run")


@dataclass
class Facts:
    """What the pipeline learned; each field is one verdict's condition."""

    internal_error: str | None = None
    invalid: str | None = None
    compile_error: str | None = None
    timed_out: str | None = None
    memory: str | None = None
    crashed: str | None = None
    score: float = 0.0


def decide(f: Facts) -> str:
    conditions = {
        "internal_error": f.internal_error is not None,
        "invalid_submission": f.invalid is not None,
        "compilation_error": f.compile_error is not None,
        "time_limit_exceeded": f.timed_out is not None,
        "memory_limit_exceeded": f.memory is not None,
        "runtime_error": f.crashed is not None,
        "accepted": f.score >= 100.0,
        "partial": 0.0 < f.score < 100.0,
        "wrong_answer": True,
    }
    return next(v for v in ORDER if conditions[v])
