"""The terminal report: verdict, score and the per-test table (rich)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

VERDICT_STYLE = {
    "accepted": "bold green", "partial": "bold yellow", "wrong_answer": "bold red",
    "internal_error": "bold magenta",
}
OUTCOME_STYLE = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow",
                 "skipped": "dim", "not_run": "dim"}


def _check_summary(checks: list[dict], audience: str) -> str:
    if not checks:
        return ""
    bad = [c for c in checks if c["status"] != "match"]
    if not bad:
        return f"{len(checks)} match"
    parts = []
    for c in bad[:3]:
        if c["status"] == "missing":
            parts.append(f"{c['name']}: missing")
        elif audience == "interviewer" and c.get("max_abs_err") is not None:
            parts.append(f"{c['name']}: abs err {c['max_abs_err']:.3g} (tol {c['atol']:.1g}+{c['rtol']:.1g}·|r|)")
        else:
            parts.append(f"{c['name']}: {c.get('reason', 'mismatch')}")
    more = f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""
    return "; ".join(parts) + more


def render(doc: dict, audience: str = "interviewer", console: Console | None = None) -> None:
    import sys

    console = console or Console(width=None if sys.stdout.isatty() else 150)
    verdict = doc["verdict"]
    style = VERDICT_STYLE.get(verdict, "bold red")
    console.print(f"[bold]{doc['problem']}[/]  submission {doc.get('id')}  "
                  f"[{style}]{verdict}[/]  score [bold]{doc['score']:g}[/]/100")
    if doc.get("message"):
        console.print(f"  {doc['message']}", markup=False, highlight=False)
    if doc.get("tests"):
        table = Table(show_header=True, header_style="bold", expand=False)
        table.add_column("test", overflow="fold")
        table.add_column("outcome")
        table.add_column("points", justify="right")
        table.add_column("time", justify="right")
        table.add_column("checks / message", overflow="fold")
        for t in doc["tests"]:
            note = _check_summary(t.get("checks", []), audience)
            if t["outcome"] != "passed" and t.get("message"):
                note = (t["message"][:160] + ("; " + note if note else ""))
            table.add_row(t["name"], f"[{OUTCOME_STYLE.get(t['outcome'], '')}]{t['outcome']}[/]",
                          f"{t['earned']:g}/{t['weight']:g}", f"{t.get('duration', 0):.2f}s", note)
        console.print(table)
    run = doc.get("run") or {}
    mem = run.get("peak_memory_bytes")
    bits = [f"seed {doc['seed']}", f"backend {doc['backend']}"]
    if run:
        bits.append(f"wall {run.get('wall_seconds', 0):.1f}s")
    if mem:
        bits.append(f"peak memory {mem / (1 << 20):.0f} MB")
    if audience == "interviewer":
        bits.append(f"digest {doc.get('problem_digest')}")
    console.print("  " + ", ".join(bits), style="dim")
