"""Who reads a report, and what each audience may see: the one place that filters.

Every format renders a *view* made here, never the raw result document, so a
format cannot show a candidate what the view does not hold.

- **interviewer**: the whole result document, plus the submission's source
  (``sources``: file name → text) when the caller supplies it. This includes
  the ``integrity`` flags (code that hides what it calls).
- **candidate**: a whitelist (DESIGN.md, security principle 3). Verdict, score,
  test names, outcomes, points, each check's name and status
  (match / mismatch / missing) and the exception type of a failure (its text
  is not shown: submitted code can read the hidden tests and raise with them). Never the
  ``details`` (pytest's long repr quotes hidden test source lines), the run's
  stdout/stderr (they hold the same), check error sizes or mismatch reasons
  (an absolute error on a scalar, or "1 of 1 values differ" on a bool, gives
  the reference value away), nor the seed and problem digest, nor the
  integrity flags: they are a lead for the interviewer, not a verdict, and
  listing them would teach a candidate which spellings the static pass sees.
  (On a ``strict`` problem the flag that rejected the code is the verdict's
  message, which the candidate does see: they must know what to remove.)
"""
from __future__ import annotations

import copy
import re

from ..i18n import EN, N_, Translator

AUDIENCES = ("interviewer", "candidate")
CANDIDATE_SCHEMA = "judge.result.candidate/1"
SHORT_MESSAGE = 200  # characters of a test's message a candidate sees

# The verdict message a candidate sees. Messages the pipeline builds from the
# submission alone (intake, syntax, limits) are kept; the rest is replaced.
_KEEP_MESSAGE = {"invalid_submission", "compilation_error", "time_limit_exceeded", "memory_limit_exceeded"}
_GENERIC = {
    "internal_error": N_("the judge could not judge this submission; it will be judged again"),
    "runtime_error": N_("the run ended before the tests finished (a crash or a killed process)"),
}


# Messages judge/pipeline.py writes word for word: a candidate reads them in their language
# (the others hold file names, places and numbers, and stay as the judge wrote them).
PIPELINE_MESSAGES = (
    N_("the run was stopped for using more than the memory limit"),
    N_("a test ran out of memory (MemoryError)"),
    N_("importing the submission took longer than the per-test limit"),
)


def short(text: str | None, cap: int = SHORT_MESSAGE) -> str:
    """First line of ``text``, at most ``cap`` characters."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= cap else line[: cap - 1] + "…"


_EXC_TYPE = re.compile(r"^\s*(?:E\s+)?([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Failed|Warning))\b")


def exception_type(text: str | None, _: Translator = EN) -> str:
    """Only the exception's type: a message's text is written by code the submission
    controls (it can read the hidden tests inside the sandbox and raise with them)."""
    first = short(text)
    if "Timeout" in first and "pytest-timeout" in first:
        return _(N_("per-test time limit"))
    m = _EXC_TYPE.match(first)
    return m.group(1).rsplit(".", 1)[-1] if m else (_(N_("failed")) if first else "")


def _candidate_message(doc: dict, _: Translator = EN) -> str:
    """The message in the candidate's language; a kept message (built by the judge from the
    submission: file names, a syntax error's place, a limit) stays as the judge wrote it."""
    verdict = doc.get("verdict")
    if verdict in _KEEP_MESSAGE:
        message = short(doc.get("message"), 500)
        return _(message) if message in PIPELINE_MESSAGES else message
    if verdict == "runtime_error":
        import_error = ((doc.get("run") or {}).get("session") or {}).get("import_error")
        if import_error:  # the type only: the text could carry hidden test source
            return _("your code failed to import: {error}").format(error=exception_type(import_error, _) or _("error"))
        return _(_GENERIC["runtime_error"])
    if verdict in _GENERIC:
        return _(_GENERIC[verdict])
    return _("{earned} of {total} points").format(earned=f"{doc.get('earned', 0):g}", total=f"{doc.get('total', 0):g}")


def _status(t: dict) -> str:
    """What reports show for a test's outcome ("wrong values" for a passed test whose checks do not match)."""
    from .fields import shown_outcome

    return shown_outcome(t)


def _candidate_test(t: dict, _: Translator = EN) -> dict:
    return {
        "name": t["name"], "outcome": t["outcome"], "status": _status(t), "weight": t.get("weight", 0),
        "earned": t.get("earned", 0),
        "message": exception_type(t.get("message"), _) if t["outcome"] != "passed" else "",
        "checks": [{"name": c["name"], "status": c["status"]} for c in t.get("checks", [])],
    }


def for_candidate(doc: dict, _: Translator = EN) -> dict:
    """The candidate's view: a new dict built from whitelisted fields only; ``lang`` is
    the language of its message and of the reports rendered from it."""
    return {
        "schema": CANDIDATE_SCHEMA, "audience": "candidate",
        "id": doc.get("id"), "problem": doc.get("problem"), "problem_version": doc.get("problem_version"),
        "label": doc.get("label", ""), "created": doc.get("created"),
        "verdict": doc.get("verdict"), "score": doc.get("score", 0.0),
        "earned": doc.get("earned", 0.0), "total": doc.get("total", 0.0),
        "message": _candidate_message(doc, _), "lang": _.lang,
        "tests": [_candidate_test(t, _) for t in doc.get("tests", [])],
    }


def for_interviewer(doc: dict, sources: dict[str, str] | None = None) -> dict:
    view = copy.deepcopy(doc)
    view["audience"] = "interviewer"
    for t in view.get("tests", []):
        t["status"] = _status(t)
    view["sources"] = dict(sources or {})
    if view.get("integrity"):  # file:line as one string, as every other format shows it
        view["integrity"] = [{**f, "where": f"{f.get('file')}:{f.get('line')}"} for f in view["integrity"]]
    return view


def view(doc: dict, audience: str = "interviewer", sources: dict[str, str] | None = None,
         _: Translator = EN) -> dict:
    if audience == "candidate":
        return for_candidate(doc, _)
    if audience == "interviewer":
        return for_interviewer(doc, sources)
    raise ValueError(f"unknown audience {audience!r} (choose from {', '.join(AUDIENCES)})")
