"""The Markdown report (for an issue, a pull request, a grading note).

Untrusted text (messages, source, logs) goes into fenced code blocks or into
table cells with HTML and Markdown specials escaped, so a submission cannot
inject markup into the page that renders it.
"""
from __future__ import annotations

import re

from ..i18n import EN, Translator
from . import fields


def cell(text: str) -> str:
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]|#])", r"\\\1", text)
    return " ".join(text.split())


def code(text: str) -> str:
    """An inline code span (shown literally, HTML included); for names."""
    return "`" + " ".join(str(text).replace("`", "'").replace("|", "\\|").split()) + "`"


def fence(text: str, lang: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


def _tests(v: dict, _: Translator = EN) -> list[str]:
    interviewer = v["audience"] == "interviewer"
    head = [_("test"), _("outcome"), _("points")] + (["time"] if interviewer else []) + [_("checks / message")]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for t in v["tests"]:
        notes = [fields.check_text(c, _) for c in t.get("checks", [])]
        if t["outcome"] != "passed" and t.get("message"):
            notes.insert(0, t["message"][:300])
        row = [code(t["name"]), fields.test_label(t, _), fields.points(t)]
        if interviewer:
            row.append(f"{t.get('duration', 0):.2f}s")
        row.append("<br>".join(cell(n) for n in notes))
        out.append("| " + " | ".join(row) + " |")
    return out


def _integrity(v: dict) -> list[str]:
    flags = fields.integrity(v)
    if not flags:
        return []
    out = ["", "## Integrity", "", f"{len(flags)} flag(s): code that hides what it calls.", "",
           "| where | kind | what | code |", "|---|---|---|---|"]
    for f in flags:
        out.append(f"| {code(f['where'])} | {cell(f['kind'])} | {cell(f['message'])} | {code(f.get('text', ''))} |")
    return out


def _pairs(title: str, rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    return ["", f"## {title}", "", "| | |", "|---|---|"] + [f"| {cell(k)} | {cell(v)} |" for k, v in rows]


def render(v: dict, _: Translator = EN) -> str:
    title = f"# {cell(v['problem'])} — " + _("submission {id}").format(id=v.get("id"))
    if v.get("label"):
        title += f" ({cell(v['label'])})"
    points = _("{earned} of {total} points").format(earned=f"{v.get('earned', 0):g}", total=f"{v.get('total', 0):g}")
    lines = [title, "",
             f"**{fields.verdict_label(v['verdict'], _)}** — " + _("score") + f" **{v['score']:g}/100** ({points})", ""]
    if v["audience"] == "candidate":
        lines += [f"_{cell(fields.verdict_explanation(v['verdict'], _))}_", ""]
    if v.get("message"):
        lines += [f"> {cell(v['message'])}", ""]
    if v.get("tests"):
        lines += ["## " + _("Tests"), ""] + _tests(v, _)
    if v["audience"] == "interviewer":
        lines += _integrity(v)
        failing = [t for t in v.get("tests", []) if t.get("details")]
        if failing:
            lines += ["", "## Failures"]
            for t in failing:
                lines += ["", f"### {code(t['name'])} — {fields.shown_outcome(t)}", "", fence(t["details"])]
        lines += _pairs("Run", fields.run_stats(v))
        lines += _pairs("Reproducibility", fields.reproducibility(v))
        for name, source in sorted(v.get("sources", {}).items()):
            numbered = "\n".join(f"{n:4} | {line}" for n, line in fields.numbered(source))
            lines += ["", f"## Source: {code(name)}", "", fence(numbered)]
        for log in fields.logs(v):
            cut = f" (last {len(log['text'])} of {log['size']} characters)" if log["truncated"] else ""
            lines += ["", f"## Log: {log['name']}{cut}", "", fence(log["text"])]
    else:
        lines += ["", "_" + _("Hidden tests are not shown; only their names and outcomes.") + "_"]
    return "\n".join(lines) + "\n"
