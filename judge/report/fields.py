"""What the report formats say about a view, worded once.

Every helper reads only what the view holds: a candidate view has no error
sizes, logs, seed or digest, so what is derived from them is simply absent.
"""
from __future__ import annotations

import time

from ..i18n import EN, N_, Translator

# Candidate-facing words: msgids of the catalog (judge/locale/), translated by the ``_`` passed in.
VERDICT_LABEL = {
    "accepted": N_("Accepted"), "partial": N_("Partial"), "wrong_answer": N_("Wrong answer"),
    "time_limit_exceeded": N_("Time limit exceeded"), "memory_limit_exceeded": N_("Memory limit exceeded"),
    "runtime_error": N_("Runtime error"), "compilation_error": N_("Compilation error"),
    "invalid_submission": N_("Invalid submission"), "internal_error": N_("Internal error"),
}
VERDICT_EXPLANATION = {
    "accepted": N_("Every hidden test passed and every checked value matched."),
    "partial": N_("Some hidden tests earned their points; the score counts them."),
    "wrong_answer": N_("No hidden test earned its points."),
    "time_limit_exceeded": N_("The run went over a time limit; tests that finished keep their points."),
    "memory_limit_exceeded": N_("The run used more memory than the limit allows."),
    "runtime_error": N_("The code crashed on import, or the run ended before the tests finished."),
    "compilation_error": N_("A submitted file is not valid Python."),
    "invalid_submission": N_("The files are not what the problem asks for (names, size, encoding or a forbidden import)."),
    "internal_error": N_("The judge could not judge this submission; it will be judged again."),
}
OUTCOME_LABEL = {"passed": N_("passed"), "failed": N_("failed"), "error": N_("error"), "timeout": N_("timeout"),
                 "skipped": N_("skipped"), "not_run": N_("not run"),
                 "wrong values": N_("wrong values")}
STATUS_LABEL = {"match": N_("match"), "mismatch": N_("mismatch"), "missing": N_("missing")}
GOOD, MIXED, BAD = "good", "mixed", "bad"
LOG_CAP = 8000  # characters of each log a report shows (the document keeps more)


def verdict_label(verdict: str | None, _: Translator = EN) -> str:
    return _(VERDICT_LABEL[verdict]) if verdict in VERDICT_LABEL else (verdict or "?")


def verdict_explanation(verdict: str | None, _: Translator = EN) -> str:
    return _(VERDICT_EXPLANATION[verdict]) if verdict in VERDICT_EXPLANATION else ""


def outcome_label(outcome: str, _: Translator = EN) -> str:
    return _(OUTCOME_LABEL[outcome]) if outcome in OUTCOME_LABEL else outcome


def status_label(status: str, _: Translator = EN) -> str:
    return _(STATUS_LABEL[status]) if status in STATUS_LABEL else status


def verdict_tone(verdict: str | None) -> str:
    return GOOD if verdict == "accepted" else MIXED if verdict == "partial" else BAD


WRONG_VALUES = "wrong values"


def shown_outcome(test: dict) -> str:
    """The outcome a report shows: a test pytest passed whose checked values do not match
    the reference reads "wrong values", never "passed"."""
    if test["outcome"] == "passed" and any(c.get("status") != "match" for c in test.get("checks", [])):
        return WRONG_VALUES
    return test["outcome"]


def test_label(test: dict, _: Translator = EN) -> str:
    """``shown_outcome`` as a reader sees it: the code in English, its label in other languages."""
    shown = shown_outcome(test)
    return shown if _.lang == "en" else outcome_label(shown, _)


def outcome_tone(test: dict) -> str:
    if shown_outcome(test) == WRONG_VALUES:
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


def check_text(c: dict, _: Translator = EN) -> str:
    """One line for a check."""
    detail = check_detail(c)
    return f"{c['name']}: {status_label(c['status'], _)}" + (f" — {detail}" if detail else "")


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
        label = shown_outcome(t)
        counts[label] = counts.get(label, 0) + 1
    return counts


def integrity(view: dict) -> list[dict]:
    """The integrity flags, ``{file, line, kind, text, message, where}`` each; empty for a
    candidate view (audience.py leaves them out) and for documents judged before flags existed."""
    if view.get("audience") == "candidate":
        return []
    flags = [{**f, "where": f"{f.get('file')}:{f.get('line')}"} for f in view.get("integrity") or []]
    return flags + runtime_findings(view)


def runtime_findings(view: dict) -> list[dict]:
    """What the harness saw at run time (judge/opcheck.py), as flags: forbidden torch operations
    that ran, a recorder found stopped or replaced, forbidden packages left in ``sys.modules``."""
    rt = view.get("runtime_integrity") or {}
    out = [("forbidden-op", f"ran {op}") for op in rt.get("forbidden_ops_seen") or []]
    if rt.get("recorder_intact") is False:
        out.append(("recorder", "the operation recorder was stopped, replaced or suspended"))
    out += [("forbidden-module", f"{m} was imported") for m in rt.get("forbidden_modules") or []]
    return [{"file": "(run time)", "line": "-", "kind": kind, "text": "", "message": msg, "where": "(run time)"}
            for kind, msg in out]


def integrity_line(flag: dict) -> str:
    """``solution.py:3 computed-import: imports a module whose name is computed``."""
    return f"{flag['file']}:{flag['line']} {flag['kind']}: {flag['message']}"
