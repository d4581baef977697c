"""Batch grading: every entry of a folder judged on one seed, N at a time, resumable.

``run(problem, folder, out)`` judges each entry of ``folder`` (a sub-folder or
a ``.py`` file; the entry's name names the submission) with ``jobs`` threads,
each waiting on its own sandbox run. It survives any one submission: the
sandbox limits end hangs, and an exception while judging one entry is caught
and recorded on that entry's row. It is resumable: the batch's seed is chosen
once and kept in ``out/batch.json``, and an entry whose content was already
judged on this problem digest and seed (``Store.find_judged``) is not judged
again. Reports, the CSV and the HTML index are written by judge/report/index.py.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import problem as problems
from . import similarity
from .errors import JudgeError, UsageError
from .intake import IGNORED, Submission, read_submission
from .pipeline import judge
from .reference import reference_output
from .sandbox import get_backend
from .sandbox.base import Backend
from .service import choose_seed
from .store import Store, judge_home

STATE = "batch.json"


@dataclass
class Row:
    name: str
    path: Path
    status: str = "pending"  # judged | reused | failed
    sub: Submission | None = None
    doc: dict | None = None
    error: str = ""
    seconds: float = 0.0
    html: str = ""  # the interviewer report, rendered as the result came in

    @property
    def verdict(self) -> str:
        return self.doc["verdict"] if self.doc else "not_judged"

    @property
    def score(self) -> float | None:
        return self.doc["score"] if self.doc else None


@dataclass
class BatchResult:
    problem: problems.Problem
    folder: Path
    out: Path
    seed: int
    variant: int | None
    backend: str
    rows: list[Row]
    skipped: list[str] = field(default_factory=list)  # entries that are neither folders nor .py files
    pairs: list[similarity.Pair] = field(default_factory=list)
    threshold: float = similarity.THRESHOLD
    seconds: float = 0.0

    @property
    def flagged(self) -> list[similarity.Pair]:
        return [p for p in self.pairs if p.flagged]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)


def entries(folder: Path, out: Path | None = None) -> tuple[list[tuple[str, Path]], list[str]]:
    """(name, path) of each sub-folder and .py file, sorted; and the names skipped."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    found, skipped = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name in IGNORED:
            continue
        if out is not None and p.resolve() == out.resolve():
            continue
        if p.is_dir() or (p.is_file() and p.suffix == ".py"):
            found.append((p.name, p))
        else:
            skipped.append(p.name)
    if not found:
        raise UsageError(f"{folder}: no submissions (sub-folders or .py files) in it")
    return found, skipped


def batch_seed(prob: problems.Problem, out: Path, seed: int | None) -> tuple[int, int | None]:
    """The batch's one seed: given, else the one saved in ``out``, else a variant chosen now (and saved)."""
    state_file = out / STATE
    state = {}
    if state_file.is_file():
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except ValueError:
            state = {}
        if state.get("problem") not in (None, prob.id):
            raise UsageError(f"{out} holds a batch of problem {state['problem']!r}; choose another --out")
    if seed is not None:
        chosen, variant = seed, None
    elif isinstance(state.get("seed"), int):
        chosen, variant = state["seed"], state.get("variant")
    else:
        chosen, variant = choose_seed(prob, None)
    out.mkdir(parents=True, exist_ok=True)
    state.update({"problem": prob.id, "seed": chosen, "variant": variant, "problem_digest": prob.digest()})
    state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    return chosen, variant


def judge_row(row: Row, prob: problems.Problem, seed: int, variant: int | None, backend: Backend,
              home: Path) -> Row:
    """Store, then judge, one entry; any exception is recorded on the row, never raised."""
    start = time.monotonic()
    store = None
    try:
        store = Store(home)  # one SQLite connection per judging thread
        sid = store.add_submission(prob.id, row.sub, label=row.name)  # stored before judging
        doc = judge(prob, row.sub, seed, backend, variant=variant)
        doc["id"], doc["label"] = sid, row.name
        store.add_result(sid, doc)
        row.doc, row.status = doc, "judged"
    except Exception as exc:  # one submission must not stop the batch
        row.status, row.error = "failed", f"{type(exc).__name__}: {exc}".strip()
    finally:
        if store is not None:
            store.close()
    row.seconds = time.monotonic() - start
    return row


def _intake(rows: list[Row], prob: problems.Problem, seed: int, store: Store) -> list[Row]:
    """Read every entry; reuse earlier results; return the rows left to judge."""
    digest = prob.digest()
    todo = []
    for row in rows:
        try:
            row.sub = read_submission(prob, row.path)
        except JudgeError as exc:
            row.status, row.error = "failed", str(exc)
            continue
        found = store.find_judged(prob.id, row.sub.content_hash, digest, seed)
        if found is not None:
            row.doc, row.status = found, "reused"
        else:
            todo.append(row)
    return todo


def run(problem_id: str, folder: str | Path, out: str | Path | None = None, jobs: int = 2,
        backend: str | Backend | None = None, seed: int | None = None, root: Path | None = None,
        home: Path | None = None, console: Console | None = None,
        threshold: float = similarity.THRESHOLD) -> BatchResult:
    started = time.monotonic()
    prob = problems.load(problem_id, root)
    folder = Path(folder)
    out = Path(out) if out else Path.cwd() / f"batch-{prob.id}-{folder.resolve().name}"
    found, skipped = entries(folder, out)
    if jobs < 1:
        raise UsageError("-j must be at least 1")
    seed, variant = batch_seed(prob, out, seed)
    home = home or judge_home()
    be = backend if isinstance(backend, Backend) else get_backend(backend)
    rows = [Row(name=name, path=path) for name, path in found]
    store = Store(home)
    try:
        todo = _intake(rows, prob, seed, store)
    finally:
        store.close()
    if todo:
        reference_output(prob, seed, be)  # once, before the threads; raises InternalError if it fails
    console = console or Console(stderr=True)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[last]}"))
    with Progress(*columns, console=console, transient=False, refresh_per_second=2) as progress:
        task = progress.add_task(f"judging {prob.id}", total=len(rows), completed=len(rows) - len(todo),
                                 last=f"{len(rows) - len(todo)} already judged" if len(todo) < len(rows) else "")
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="judge") as pool:
            futures = [pool.submit(judge_row, row, prob, seed, variant, be, home) for row in todo]
            for fut in as_completed(futures):
                row = fut.result()
                if row.doc:  # the main thread waits anyway: render the report now, not after the last one
                    try:
                        from .report.index import render_report

                        row.html = render_report(row)
                    except Exception:
                        row.html = ""  # index.write renders it again and reports what fails
                progress.update(task, advance=1, last=f"{row.name}: {row.verdict if row.doc else 'failed'}")
    sources = {r.name: r.sub.texts() for r in rows if r.sub is not None and r.sub.texts()}
    starter = {f.name: f.read_text(encoding="utf-8", errors="replace")
               for f in sorted(prob.starter_dir.glob("*.py"))}
    pairs = similarity.compare_all(sources, starter, threshold=threshold)
    return BatchResult(problem=prob, folder=folder, out=out, seed=seed, variant=variant, backend=be.name,
                       rows=rows, skipped=skipped, pairs=pairs, threshold=threshold,
                       seconds=time.monotonic() - started)
