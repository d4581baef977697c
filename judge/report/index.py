"""What a batch writes: per-submission HTML reports, a CSV, an HTML index, a terminal table.

``write(result)`` fills the batch's output folder:

- ``reports/<name>.html``: each submission's interviewer report;
- ``results.csv``: one row a submission, one points column a hidden test;
- ``summary.json``: the same rows and the similarity pairs, for scripts;
- ``index.html``: verdict counts, the score distribution, per-test pass
  rates, the submissions with links to their reports, and flagged similar
  pairs side by side with the matching lines marked.
"""
from __future__ import annotations

import csv
import json
import re
import statistics
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from . import fields
from . import html as html_report
from .audience import view

BUCKETS = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80), (80, 90),
           (90, 100), (100, 100.01)]


def slugs(names: list[str]) -> dict[str, str]:
    """A safe, unique file name stem per submission name."""
    out, taken = {}, set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
        slug, n = base, 2
        while slug.lower() in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug.lower())
        out[name] = slug
    return out


def _texts(row) -> dict[str, str]:
    if row.sub is None:
        return {}
    return {n: d.decode("utf-8", errors="replace") for n, d in sorted(row.sub.files.items())}


def test_names(result) -> list[str]:
    names: list[str] = []
    for row in result.rows:
        for t in (row.doc or {}).get("tests", []):
            if t["name"] not in names:
                names.append(t["name"])
    return names


def pass_rates(result) -> list[dict]:
    judged = [r for r in result.rows if r.doc]
    rates = []
    for name in test_names(result):
        full = sum(any(t["name"] == name and fields.outcome_tone(t) == fields.GOOD for t in r.doc.get("tests", []))
                   for r in judged)
        rates.append({"name": name, "passed": full, "of": len(judged),
                      "percent": 100.0 * full / len(judged) if judged else 0.0})
    return rates


def distribution(result) -> list[dict]:
    scores = [r.score for r in result.rows if r.doc]
    out = []
    for low, high in BUCKETS:
        n = sum(low <= s < high for s in scores)
        label = "100" if low == 100 else f"{low}–{high - 1}"
        out.append({"label": label, "count": n, "percent": 100.0 * n / len(scores) if scores else 0.0})
    return out


def _side(name: str, files: dict[str, str], hits: dict[str, list[int]]) -> dict:
    return {"name": name, "files": [
        {"file": f, "lines": [(n, line, n in set(hits.get(f, []))) for n, line in fields.numbered(src)]}
        for f, src in sorted(files.items())]}


def similar_to(result) -> dict[str, list[str]]:
    partners: dict[str, list[str]] = {}
    for p in result.flagged:
        partners.setdefault(p.a, []).append(f"{p.b} ({p.similarity:.0%})")
        partners.setdefault(p.b, []).append(f"{p.a} ({p.similarity:.0%})")
    return partners


# ---- files ----------------------------------------------------------------
def write_reports(result, names: dict[str, str]) -> None:
    folder = result.out / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    for row in result.rows:
        if row.doc:
            text = getattr(row, "html", None) or render_report(row)
            (folder / f"{names[row.name]}.html").write_text(text, encoding="utf-8")


def render_report(row) -> str:
    """A row's interviewer report (batch.run renders each as its result comes in, while the
    other submissions are still judged, so little is left to do at the end)."""
    return html_report.render(view(row.doc, "interviewer", _texts(row)))


def integrity_note(doc: dict | None) -> str:
    """``2: solution.py:3 computed-import, ...``: how many integrity flags, and where the first is."""
    flags = (doc or {}).get("integrity") or []
    if not flags:
        return ""
    first = flags[0]
    return f"{len(flags)}: {first['file']}:{first['line']} {first['kind']}" + (", ..." if len(flags) > 1 else "")


def write_csv(result, names: dict[str, str]) -> Path:
    path = result.out / "results.csv"
    tests = test_names(result)
    partners = similar_to(result)
    head = ["name", "submission_id", "status", "verdict", "score", "earned", "total", "wall_seconds",
            "peak_memory_mb", "seed", "content_hash", "similar_to", "integrity", "error", "report"] + tests
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for row in result.rows:
            doc = row.doc or {}
            run = doc.get("run") or {}
            mem = run.get("peak_memory_bytes")
            earned = {t["name"]: f"{t['earned']:g}" for t in doc.get("tests", [])}
            w.writerow([row.name, doc.get("id", ""), row.status, row.verdict,
                        "" if row.score is None else f"{row.score:g}",
                        f"{doc['earned']:g}" if doc else "", f"{doc['total']:g}" if doc else "",
                        f"{run['wall_seconds']:.2f}" if run.get("wall_seconds") is not None else "",
                        f"{mem / (1 << 20):.0f}" if mem else "", doc.get("seed", result.seed),
                        (doc.get("submission") or {}).get("content_hash", "") or
                        (row.sub.content_hash if row.sub else ""),
                        "; ".join(partners.get(row.name, [])), integrity_note(doc), row.error,
                        f"reports/{names[row.name]}.html" if doc else ""]
                       + [earned.get(t, "") for t in tests])
    return path


def write_summary(result, names: dict[str, str]) -> Path:
    path = result.out / "summary.json"
    data = {
        "problem": result.problem.id, "problem_digest": result.problem.digest(), "seed": result.seed,
        "variant": result.variant, "backend": result.backend, "threshold": result.threshold,
        "rows": [{"name": r.name, "status": r.status, "id": (r.doc or {}).get("id"), "verdict": r.verdict,
                  "score": r.score, "error": r.error,
                  "integrity": [fields.integrity_line(f) for f in (r.doc or {}).get("integrity") or []],
                  "report": f"reports/{names[r.name]}.html" if r.doc else None} for r in result.rows],
        "skipped": result.skipped,
        "pairs": [{"a": p.a, "b": p.b, "similarity": p.similarity, "shared": p.shared, "sizes": list(p.sizes),
                   "flagged": p.flagged} for p in result.pairs],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def write_index(result, names: dict[str, str]) -> Path:
    scores = [r.score for r in result.rows if r.doc]
    verdicts: dict[str, int] = {}
    for r in result.rows:
        verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
    texts = {r.name: _texts(r) for r in result.rows}
    pairs = [{"pair": p, "left": _side(p.a, texts.get(p.a, {}), p.lines_a),
              "right": _side(p.b, texts.get(p.b, {}), p.lines_b)} for p in result.flagged]
    page = html_report.environment().get_template("batch.html").render(
        r=result, names=names, verdicts=sorted(verdicts.items(), key=lambda kv: -kv[1]),
        mean=statistics.fmean(scores) if scores else None, median=statistics.median(scores) if scores else None,
        distribution=distribution(result), rates=pass_rates(result), pairs=pairs,
        near=[p for p in result.pairs if not p.flagged][:5], partners=similar_to(result),
        digest=result.problem.digest(), when=fields.when, integrity_note=integrity_note)
    path = result.out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def write(result) -> dict[str, Path]:
    result.out.mkdir(parents=True, exist_ok=True)
    names = slugs([r.name for r in result.rows])
    write_reports(result, names)
    return {"csv": write_csv(result, names), "index": write_index(result, names),
            "summary": write_summary(result, names)}


# ---- terminal ---------------------------------------------------------------
def summary_table(result) -> Table:
    partners = similar_to(result)
    table = Table(title=f"{result.problem.id}: {len(result.rows)} submissions, seed {result.seed}",
                  show_header=True, header_style="bold")
    for col, kw in (("submission", {"overflow": "fold"}), ("id", {"justify": "right"}), ("verdict", {}),
                    ("score", {"justify": "right"}), ("time", {"justify": "right"}), ("", {}),
                    ("similar to", {"overflow": "fold"})):
        table.add_column(col, **kw)
    for row in result.rows:
        doc = row.doc or {}
        run = doc.get("run") or {}
        style = {"accepted": "green", "partial": "yellow"}.get(row.verdict, "red")
        table.add_row(escape(row.name), str(doc.get("id", "")), f"[{style}]{row.verdict}[/]",
                      "" if row.score is None else f"{row.score:g}",
                      f"{run['wall_seconds']:.1f}s" if run.get("wall_seconds") is not None else "",
                      row.status if row.status != "failed" else f"[red]failed: {escape(row.error[:80])}[/]",
                      escape(", ".join(partners.get(row.name, []))))
    return table
