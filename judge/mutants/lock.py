"""``problems/<id>/mutants.lock``: the measured mutation score of the problem as it is now.

Written by ``judge mutants PROBLEM --write-lock``; ``judge verify`` checks that its
digest is the problem's (nobody changed the suite, reference or catalogue since it
was measured) and that every non-equivalent mutant was killed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from ..problem import Problem
from .generate import TOOL_VERSION

LOCK_NAME = "mutants.lock"
SKIP = {LOCK_NAME, "verify.lock"}  # the other lock is evidence about the package, not part of it


def full_digest(problem: Problem) -> str:
    """sha256 over every file of problems/<id>/ and reference/<id>/ but the lock and __pycache__."""
    h = hashlib.sha256()
    for base in (problem.dir, problem.reference_dir):
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            rel = path.relative_to(base)
            if "__pycache__" in rel.parts or (base == problem.dir and str(rel) in SKIP):
                continue
            h.update(str(path.relative_to(problem.root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def lock_path(problem: Problem) -> Path:
    return problem.dir / LOCK_NAME


def write(problem: Problem, report) -> Path:
    data = {
        "problem": problem.id,
        "digest": full_digest(problem),
        "tool": TOOL_VERSION,
        "variants": report.variants,
        "generated": report.generated,
        "equivalent": report.count("equivalent"),
        "killed": report.count("killed"),
        "survived": report.count("survived"),
        "score": report.score,
    }
    path = lock_path(problem)
    head = f"# written by `judge mutants {problem.id} --write-lock`; checked by `judge verify`. Do not edit.\n"
    path.write_text(head + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def check(problem: Problem, strict_missing: bool = False) -> list[tuple[str, str]]:
    """Findings ``(level, text)`` about the lock; empty when it is current and at 100 %."""
    path = lock_path(problem)
    fix = f"run `judge mutants {problem.id} --write-lock`"
    if not path.is_file():
        return [("error" if strict_missing else "warning", f"no {LOCK_NAME}: the hidden suite's mutation score "
                                                            f"was never measured; {fix}")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        digest, score = data["digest"], float(data["score"])
    except Exception:
        return [("error", f"{LOCK_NAME} is not a valid lock; {fix}")]
    if digest != full_digest(problem):
        return [("error", f"{LOCK_NAME} is stale: the problem changed since its mutation score was measured; {fix}")]
    found = []
    if score < 100:
        found.append(("error", f"mutation score {score:g}% ({data.get('survived')} survivors): every "
                               f"non-equivalent mutant must be killed; see `judge mutants {problem.id}`"))
    if data.get("tool") != TOOL_VERSION:
        found.append(("warning", f"{LOCK_NAME} was measured with {data.get('tool')}, the judge has {TOOL_VERSION}; {fix}"))
    if found == []:
        found.append(("ok", f"mutation score 100% ({data.get('killed')} killed, {data.get('equivalent')} equivalent)"))
    return found
