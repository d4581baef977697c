"""The terminal report: verdict, score and the per-test table (rich).

``render(doc, audience)`` prints the short form (what ``judge submit`` shows);
``detail=True`` (``judge report``) adds, for an interviewer, the failure
details, the run's numbers, what makes it reproducible, capped logs and the
submission's source with line numbers.
"""
from __future__ import annotations

import io
import sys

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from ..i18n import EN, Translator
from . import fields
from .audience import view as make_view

VERDICT_STYLE = {
    "accepted": "bold green", "partial": "bold yellow", "wrong_answer": "bold red",
    "internal_error": "bold magenta",
}
OUTCOME_STYLE = {"passed": "green", "wrong values": "red", "failed": "red", "error": "red", "timeout": "yellow",
                 "skipped": "dim", "not_run": "dim"}
DETAILS_CAP = 1500  # characters of a failure's long repr shown per test


def _check_summary(checks: list[dict], _: Translator = EN) -> str:
    if not checks:
        return ""
    bad = [c for c in checks if c["status"] != "match"]
    if not bad:
        return _("{n} match").format(n=len(checks))
    more = " " + _("(+{n} more)").format(n=len(bad) - 3) if len(bad) > 3 else ""
    return "; ".join(fields.check_text(c, _) for c in bad[:3]) + more


def _tests_table(v: dict, _: Translator = EN) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column(_("test"), overflow="fold")
    table.add_column(_("outcome"))
    table.add_column(_("points"), justify="right")
    interviewer = v["audience"] == "interviewer"
    if interviewer:
        table.add_column("time", justify="right")
    table.add_column(_("checks / message"), overflow="fold")
    for t in v["tests"]:
        note = _check_summary(t.get("checks", []), _)
        if t["outcome"] != "passed" and t.get("message"):
            note = t["message"][:160] + ("; " + note if note else "")
        outcome = fields.test_label(t, _)
        row = [escape(t["name"]), f"[{OUTCOME_STYLE.get(fields.shown_outcome(t), '')}]{escape(outcome)}[/]",
               fields.points(t)]
        if interviewer:
            row.append(f"{t.get('duration', 0):.2f}s")
        table.add_row(*row, escape(note))
    return table


def _details(v: dict, console: Console) -> None:
    failing = [t for t in v.get("tests", []) if t.get("details")]
    for t in failing:
        console.rule(f"[bold]{escape(t['name'])}[/] {fields.shown_outcome(t)}", align="left")
        text = t["details"]
        if len(text) > DETAILS_CAP:
            text = "…" + text[-DETAILS_CAP:]
        console.print(text, markup=False, highlight=False)
    for log in fields.logs(v, cap=2000):
        cut = f" (last {len(log['text'])} of {log['size']} characters)" if log["truncated"] else ""
        console.rule(f"[bold]{log['name']}[/]{cut}", align="left")
        console.print(log["text"].rstrip(), markup=False, highlight=False)
    for name, source in sorted(v.get("sources", {}).items()):
        console.rule(f"[bold]{escape(name)}[/]", align="left")
        console.print(Syntax(source, "python", line_numbers=True, word_wrap=True, theme="ansi_dark"))


def _integrity(v: dict, console: Console) -> None:
    flags = fields.integrity(v)
    if not flags:
        return
    console.print(f"[bold yellow]Integrity[/]: {len(flags)} flag(s), code that hides what it calls", highlight=False)
    for f in flags:
        console.print(f"  {fields.integrity_line(f)}", markup=False, highlight=False)
        if f.get("text"):
            console.print(f"      {f['text']}", markup=False, highlight=False, style="dim")


def render_view(v: dict, console: Console, detail: bool = False, _: Translator = EN) -> None:
    """English shows the verdict's code (``accepted``), other languages its label."""
    verdict = v["verdict"]
    style = VERDICT_STYLE.get(verdict, "bold red")
    label = f"  ({escape(v['label'])})" if v.get("label") else ""
    shown = verdict if _.lang == "en" else fields.verdict_label(verdict, _)
    console.print(f"[bold]{escape(str(v['problem']))}[/]  " + escape(_("submission {id}").format(id=v.get("id")))
                  + f"{label}  [{style}]{escape(shown)}[/]  " + escape(_("score"))
                  + f" [bold]{v['score']:g}[/]/100", highlight=False)
    if v["audience"] == "candidate":
        console.print("  " + fields.verdict_explanation(verdict, _), markup=False, highlight=False)
    if v.get("message"):
        console.print(f"  {v['message']}", markup=False, highlight=False)
    if v.get("tests"):
        console.print(_tests_table(v, _))
    if v["audience"] != "interviewer":
        return
    _integrity(v, console)
    run = v.get("run") or {}
    bits = [f"seed {v['seed']}", f"backend {v['backend']}"]
    if run:
        bits.append(f"wall {run.get('wall_seconds', 0):.1f}s")
    if run.get("peak_memory_bytes"):
        bits.append(f"peak memory {fields.mebibytes(run['peak_memory_bytes'])}")
    bits.append(f"digest {v.get('problem_digest')}")
    console.print("  " + ", ".join(bits), style="dim", highlight=False)
    if detail:
        extra = [(k, val) for k, val in fields.reproducibility(v) if k not in ("seed", "backend", "problem digest")]
        console.print("  " + ", ".join(f"{k} {val}" for k, val in extra), style="dim", highlight=False,
                      markup=False)
        _details(v, console)


def render(doc: dict, audience: str = "interviewer", console: Console | None = None,
           sources: dict[str, str] | None = None, detail: bool = False, _: Translator = EN) -> None:
    console = console or Console(width=None if sys.stdout.isatty() else 150)
    render_view(make_view(doc, audience, sources, _), console, detail=detail, _=_)


def to_text(doc: dict, audience: str = "interviewer", sources: dict[str, str] | None = None,
            width: int = 120, _: Translator = EN) -> str:
    """The detailed terminal report as plain text (for ``-o``)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False)
    render_view(make_view(doc, audience, sources, _), console, detail=True, _=_)
    return buf.getvalue()
