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

from . import fields
from .audience import view as make_view

VERDICT_STYLE = {
    "accepted": "bold green", "partial": "bold yellow", "wrong_answer": "bold red",
    "internal_error": "bold magenta",
}
OUTCOME_STYLE = {"passed": "green", "wrong values": "red", "failed": "red", "error": "red", "timeout": "yellow",
                 "skipped": "dim", "not_run": "dim"}
DETAILS_CAP = 1500  # characters of a failure's long repr shown per test


def _check_summary(checks: list[dict]) -> str:
    if not checks:
        return ""
    bad = [c for c in checks if c["status"] != "match"]
    if not bad:
        return f"{len(checks)} match"
    more = f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""
    return "; ".join(fields.check_text(c) for c in bad[:3]) + more


def _tests_table(v: dict) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column("test", overflow="fold")
    table.add_column("outcome")
    table.add_column("points", justify="right")
    interviewer = v["audience"] == "interviewer"
    if interviewer:
        table.add_column("time", justify="right")
    table.add_column("checks / message", overflow="fold")
    for t in v["tests"]:
        note = _check_summary(t.get("checks", []))
        if t["outcome"] != "passed" and t.get("message"):
            note = t["message"][:160] + ("; " + note if note else "")
        row = [escape(t["name"]), f"[{OUTCOME_STYLE.get(fields.outcome_label(t), '')}]{escape(fields.outcome_label(t))}[/]",
               fields.points(t)]
        if interviewer:
            row.append(f"{t.get('duration', 0):.2f}s")
        table.add_row(*row, escape(note))
    return table


def _details(v: dict, console: Console) -> None:
    failing = [t for t in v.get("tests", []) if t.get("details")]
    for t in failing:
        console.rule(f"[bold]{escape(t['name'])}[/] {fields.outcome_label(t)}", align="left")
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


def render_view(v: dict, console: Console, detail: bool = False) -> None:
    verdict = v["verdict"]
    style = VERDICT_STYLE.get(verdict, "bold red")
    label = f"  ({escape(v['label'])})" if v.get("label") else ""
    console.print(f"[bold]{escape(str(v['problem']))}[/]  submission {v.get('id')}{label}  "
                  f"[{style}]{verdict}[/]  score [bold]{v['score']:g}[/]/100", highlight=False)
    if v.get("message"):
        console.print(f"  {v['message']}", markup=False, highlight=False)
    if v.get("tests"):
        console.print(_tests_table(v))
    if v["audience"] != "interviewer":
        return
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
           sources: dict[str, str] | None = None, detail: bool = False) -> None:
    console = console or Console(width=None if sys.stdout.isatty() else 150)
    render_view(make_view(doc, audience, sources), console, detail=detail)


def to_text(doc: dict, audience: str = "interviewer", sources: dict[str, str] | None = None,
            width: int = 120) -> str:
    """The detailed terminal report as plain text (for ``-o``)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False)
    render_view(make_view(doc, audience, sources), console, detail=True)
    return buf.getvalue()
