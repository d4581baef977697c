"""Judging one claimed job: the stored submission, on the job's seed, result written once."""
from __future__ import annotations

import time

from .. import __version__
from .. import problem as problems
from ..errors import JudgeError
from ..pipeline import SCHEMA, judge
from ..sandbox import get_backend
from ..store import Store

_backends: dict = {}


def _backend(name: str | None):
    key = name or "auto"
    if key not in _backends:
        _backends[key] = get_backend(name)
    return _backends[key]


def internal_error(job: dict, rec: dict, message: str) -> dict:
    return {"schema": SCHEMA, "id": job["submission_id"], "problem": rec["problem"], "verdict": "internal_error",
            "score": 0.0, "earned": 0.0, "total": 0.0, "seed": job["seed"] or 0, "variant": job["variant"],
            "backend": job["backend"] or "", "judge_version": __version__, "created": time.time(),
            "message": message, "tests": [], "run": None, "label": rec.get("label", "")}


def _call(fn, *args):
    return fn(*args)


def run_job(store: Store, job: dict, backend: str | None = None, root=None, call=_call) -> int | None:
    """Judge the job's submission and write its result (once); the result id, or None if stale.
    Store calls go through ``call`` (a worker passes one that waits while the database restarts)."""
    rec = call(store.submission, job["submission_id"])
    try:
        prob = problems.load(rec["problem"], root)
        sub = call(store.load_submission, rec["id"])
        be = _backend(job["backend"] or backend)
        doc = judge(prob, sub, job["seed"], be, variant=job["variant"])
    except JudgeError as exc:
        doc = internal_error(job, rec, str(exc))
    except Exception as exc:  # a bug in the judge: the job still ends, with a reason
        doc = internal_error(job, rec, f"internal error: {type(exc).__name__}: {exc}")
    doc["id"] = rec["id"]
    doc["label"] = rec["label"]
    doc["job"] = {"id": job["id"], "attempt": job["attempt"], "kind": job["kind"]}
    return call(store.finish_job, job, doc)
