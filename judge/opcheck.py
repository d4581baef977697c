"""Run-time integrity findings: forbidden torch operations the harness saw, a recorder
that was stopped or bypassed, forbidden packages imported under any spelling.

Reads only the validated fields of ``RunOutput`` (judge/outputs.py).
"""
from __future__ import annotations

import json

from .outputs import RunOutput
from .problem import Problem


def harness_args(problem: Problem) -> list[str]:
    """Extra harness options for a problem (JSON, braces escaped for the job's format())."""
    args = []
    if problem.forbidden_ops:
        args += ["--forbidden-ops", _escaped(problem.forbidden_ops)]
    if problem.forbidden_imports:
        args += ["--forbidden-modules", _escaped(sorted(problem.forbidden_imports))]
    return args


def _escaped(value) -> str:
    return json.dumps(value, sort_keys=True).replace("{", "{{").replace("}", "}}")


def findings(problem: Problem, out: RunOutput) -> list[str]:
    """One line per finding, tests in collection order; empty when the run is clean."""
    found: list[str] = []
    if problem.forbidden_ops:
        order = [c["id"] for c in out.collected or []] or list(out.tests)
        for tid in order + [t for t in out.tests if t not in order]:
            t = out.tests.get(tid)
            if t is None:
                continue
            found += _from_record(t.oprecord, f"test {tid}", problem)
        if out.session is not None:
            found += _from_record(out.oprecord, "after the last test", problem)
    mods = out.forbidden_modules
    if mods:
        found.append(f"forbidden package {mods[0]} was imported at run time"
                     + (f" (and {', '.join(mods[1:4])})" if len(mods) > 1 else ""))
    elif problem.forbidden_imports and out.session is not None and mods is None:
        found.append("the run did not report its imported packages")
    return found


def _rank(problem: Problem, op: str, call: str) -> int:
    """The order problem.yaml lists a call's ops in: the entry op (as called) first."""
    names = problem.forbidden_ops.get(call, [])
    return names.index(op) if op in names else len(names)


def _from_record(rec, where: str, problem: Problem) -> list[str]:
    if rec is None:
        return [f"no operation record for {where} (the recorder was bypassed)"]
    found = []
    for op, call, phase in sorted(rec.ops, key=lambda o: (_rank(problem, o[0], o[1]), o)):
        if where.startswith("test "):
            when = {"call": "during", "child": "in a child process of", "outside": "while setting up"}.get(
                phase, "around")
            found.append(f"forbidden operation {op} ({call}) ran {when} {where}")
        else:
            found.append(f"forbidden operation {op} ({call}) ran {where}")
    if not rec.intact:
        note = rec.notes[0] if rec.notes else "no reason given"
        found.append(f"the operation recorder was stopped or bypassed around {where}: {note}")
    return found


def summary(problem: Problem, out: RunOutput) -> dict | None:
    """What the result document keeps (interviewer reports show it)."""
    if not problem.forbidden_ops and not problem.forbidden_imports:
        return None
    seen = sorted({(op, call) for t in out.tests.values() if t.oprecord for op, call, _ in t.oprecord.ops})
    intact = all(t.oprecord is not None and t.oprecord.intact for t in out.tests.values())
    return {"forbidden_ops_seen": [f"{op} ({call})" for op, call in seen],
            "recorder_intact": intact if problem.forbidden_ops else None,
            "forbidden_modules": out.forbidden_modules or []}
