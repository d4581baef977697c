"""What the report formats say about a view, worded once.

Every helper reads only what the view holds: a candidate view has no error
sizes, logs, seed or digest, so what is derived from them is simply absent.
"""
from __future__ import annotations

import time

VERDICT_LABEL = {
    "accepted": "Accepted", "partial": "Partial", "wrong_answer": "Wrong answer",
    "time_limit_exceeded": "Time limit exceeded", "memory_limit_exceeded": "Memory limit exceeded",
    "runtime_error": "Runtime error", "compilation_error": "Compilation error",
    "invalid_submission": "Invalid submission", "internal_error": "Internal error",
}
GOOD, MIXED, BAD = "good", "mixed", "bad"
LOG_CAP = 8000  # characters of each log a report shows (the document keeps more)


def verdict_label(verdict: str | None) -> str:
    return VERDICT_LABEL.get(verdict or "", verdict or "?")


def verdict_tone(verdict: str | None) -> str:
    return GOOD if verdict == "accepted" else MIXED if verdict == "partial" else BAD


WRONG_VALUES = "wrong values"


def outcome_label(test: dict) -> str:
    """The outcome a report shows: a test pytest passed whose checked values do not match
    the reference reads "wrong values", never "passed"."""
    if test["outcome"] == "passed" and any(c.get("status") != "match" for c in test.get("checks", [])):
        return WRONG_VALUES
    return test["outcome"]


def outcome_tone(test: dict) -> str:
    if outcome_label(test) == WRONG_VALUES:
        return BAD
    if test["outcome"] == "passed":
        return GOOD if test.get("earned", 0) >= test.get("weight", 0) else MIXED
    return BAD


def num(x) -> str:
    return f"{x:.3g}" if isinstance(x, (int, float)) else ""


def tolerance(c: dict) -> str:
    if c.get("atol") is None and c.get("rtol") is None:
        return ""
    if not c.get("atol") and not c.get("rtol"):
        return "exact"
    return f"{num(c.get('atol') or 0)} + {num(c.get('rtol') or 0)}·|ref|"


def check_detail(c: dict) -> str:
    """Why a check did not match, with error sizes when the view holds them."""
    if c["status"] == "match":
        return ""
    bits = [c["reason"]] if c.get("reason") else []
    if c.get("max_abs_err") is not None:
        bits.append(f"max abs err {num(c['max_abs_err'])}")
    if c.get("max_rel_err") is not None:
        bits.append(f"max rel err {num(c['max_rel_err'])}")
    tol = tolerance(c)
    if tol and c["status"] == "mismatch":
        bits.append(f"tol {tol}")
    return ", ".join(bits)


def check_text(c: dict) -> str:
    """One line for a check."""
    detail = check_detail(c)
    return f"{c['name']}: {c['status']}" + (f" — {detail}" if detail else "")


def points(test: dict) -> str:
    return f"{test.get('earned', 0):g}/{test.get('weight', 0):g}"


def when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts)) if ts else ""


def mebibytes(n: int | None) -> str:
    return f"{n / (1 << 20):.0f} MB" if isinstance(n, (int, float)) and n else ""


def runtime(view: dict) -> str:
    """The runtime image (docker) or interpreter (local) the run used."""
    run = view.get("run") or {}
    details, session = run.get("details") or {}, run.get("session") or {}
    parts = []
    if details.get("image"):
        parts.append(str(details["image"]))
    if session.get("python"):
        parts.append(f"Python {session['python']}")
    if session.get("numpy"):
        parts.append(f"NumPy {session['numpy']}")
    return ", ".join(parts)


def run_stats(view: dict) -> list[tuple[str, str]]:
    run = view.get("run")
    if not run:
        return []
    rows = [("wall time", f"{run.get('wall_seconds', 0):.2f} s"),
            ("peak memory", mebibytes(run.get("peak_memory_bytes")) or "not measured"),
            ("exit code", str(run.get("exit_code")))]
    if run.get("timed_out"):
        rows.append(("stopped", "wall-clock limit"))
    if run.get("oom_killed"):
        rows.append(("stopped", "memory limit"))
    if run.get("output_truncated"):
        rows.append(("output", "truncated at the limit"))
    for p in run.get("problems") or []:
        rows.append(("output problem", str(p)))
    return rows


def reproducibility(view: dict) -> list[tuple[str, str]]:
    """What makes the run reproducible; empty for a candidate view."""
    if view.get("audience") == "candidate":
        return []
    sub = view.get("submission") or {}
    rows = [("seed", str(view.get("seed"))),
            ("variant", "" if view.get("variant") is None else str(view["variant"])),
            ("problem", f"{view.get('problem')} v{view.get('problem_version')}"),
            ("problem digest", str(view.get("problem_digest", ""))),
            ("backend", str(view.get("backend", ""))),
            ("runtime", runtime(view)),
            ("judge version", str(view.get("judge_version", ""))),
            ("content hash", str(sub.get("content_hash", ""))[:16]),
            ("submitted from", str(sub.get("source", ""))),
            ("judged", when(view.get("created")))]
    if view.get("rejudge_of"):
        rows.append(("rejudge of", when(view["rejudge_of"])))
    return [(k, v) for k, v in rows if v]


def logs(view: dict, cap: int = LOG_CAP) -> list[dict]:
    """The run's stdout and stderr, the last ``cap`` characters of each."""
    run = view.get("run") or {}
    out = []
    for name in ("stdout", "stderr"):
        text = run.get(name) or ""
        if text.strip():
            out.append({"name": name, "text": text[-cap:], "truncated": len(text) > cap, "size": len(text)})
    return out


def numbered(source: str) -> list[tuple[int, str]]:
    return list(enumerate(source.splitlines(), start=1))


def full_marks(view: dict) -> int:
    """Tests that earned all their points."""
    return sum(outcome_tone(t) == GOOD for t in view.get("tests", []))


def outcome_counts(view: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in view.get("tests", []):
        label = outcome_label(t)
        counts[label] = counts.get(label, 0) + 1
    return counts
