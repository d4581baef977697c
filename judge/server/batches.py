"""Batch grading from the web UI: a zip of submissions judged by judge/batch.py in a background thread.

Each batch lives in ``JUDGE_HOME/batches/<n>/`` (input/, out/ with the index
page judge/report/index.py writes, state.json).
"""
from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

from rich.console import Console

from ..errors import JudgeError
from ..store import Store
from .actions import ApiError
from .uploads import _single_folder, _unzip


def batches_dir(store: Store) -> Path:
    return store.home / "batches"


def _state(folder: Path, **fields) -> None:
    path = folder / "state.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data.update(fields)
    path.write_text(json.dumps(data))


def start(store: Store, problem_id: str, zip_data: bytes, backend: str | None = None, root=None,
          jobs: int = 1) -> int:
    """Unpack the zip and judge it in the background; the batch's number."""
    base = batches_dir(store)
    base.mkdir(parents=True, exist_ok=True)
    n = 1 + max((int(p.name) for p in base.iterdir() if p.name.isdigit()), default=0)
    folder = base / str(n)
    (folder / "input").mkdir(parents=True)
    try:
        _unzip(zip_data, folder / "input")
    except JudgeError as exc:
        raise ApiError(400, str(exc)) from None
    _state(folder, id=n, problem=problem_id, state="running", started=time.time())

    def work():
        from .. import batch
        from ..report import index

        try:
            result = batch.run(problem_id, _single_folder(folder / "input"), out=folder / "out", jobs=jobs,
                               backend=backend, root=root, home=store.home,
                               console=Console(file=io.StringIO()))
            index.write(result)
            _state(folder, state="done", finished=time.time())
        except Exception as exc:  # shown on the batch page
            _state(folder, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])

    threading.Thread(target=work, name=f"batch-{n}", daemon=True).start()
    return n


def listing(store: Store) -> list[dict]:
    base = batches_dir(store)
    out = []
    for p in sorted(base.iterdir() if base.is_dir() else [], key=lambda p: -int(p.name) if p.name.isdigit() else 0):
        if (p / "state.json").is_file():
            out.append(json.loads((p / "state.json").read_text()))
    return out


def state(store: Store, n: int) -> dict:
    path = batches_dir(store) / str(n) / "state.json"
    if not path.is_file():
        raise ApiError(404, f"no batch {n}")
    return json.loads(path.read_text())


def output_file(store: Store, n: int, rel: str) -> Path:
    """A file the batch wrote (its index page, reports); never outside its out/ folder."""
    out = (batches_dir(store) / str(n) / "out").resolve()
    path = (out / (rel or "index.html")).resolve()
    if out not in path.parents or not path.is_file():
        raise ApiError(404, f"no such file in batch {n}")
    return path
