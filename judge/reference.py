"""Reference records: the hidden suite run on ``reference/<id>/`` with the same seed.

Cached under ``JUDGE_HOME/cache/reference/<problem>/<digest>/<runtime id>/<seed>/``
where the runtime id names the problem's runtime and where it lives
(``torch@<image id12>``, ``numpy@local-…``): each (problem digest, runtime,
seed) costs one sandboxed reference run.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from . import opcheck
from .errors import InternalError
from .outputs import RunOutput, read_output
from .problem import Problem
from .sandbox.base import Backend
from .score import reference_problems
from .store import judge_home


def cache_dir(problem: Problem, seed: int, backend: Backend) -> Path:
    runtime = backend.runtime_id(problem.runtime).replace(":", "_").replace("/", "_")
    return judge_home() / "cache" / "reference" / problem.id / problem.digest() / runtime / str(seed)


def run_reference(problem: Problem, seed: int, backend: Backend, out_dir: Path):
    from .pipeline import run_suite

    return run_suite(problem, backend, problem.reference_dir, seed, out_dir=out_dir)


# Cached records already read by this process (a batch or a server judges many submissions on
# one seed: reading and checking the .npz files each time is judge CPU taken from the sandboxes).
# Keyed by folder and session.json's mtime; read-only for every caller (score() only reads).
_read: dict[tuple[str, int], RunOutput] = {}
_READ_MAX = 64


def reference_output(problem: Problem, seed: int, backend: Backend, use_cache: bool = True) -> RunOutput:
    """The reference's records for ``seed``; raises InternalError if the reference fails."""
    final = cache_dir(problem, seed, backend)
    if use_cache and (final / "session.json").is_file():
        try:
            key = (str(final), (final / "session.json").stat().st_mtime_ns)
        except OSError:
            key = None
        if key in _read:
            return _read[key]
        out = read_output(final)
        if not reference_problems(out):
            if key is not None:
                if len(_read) >= _READ_MAX:
                    _read.pop(next(iter(_read)))
                _read[key] = out
            return out
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{seed}.", dir=final.parent))
    try:
        run, out = run_reference(problem, seed, backend, work)
        found = reference_problems(out)
        found += [f"the reference run is not clean: {f}" for f in opcheck.findings(problem, out)[:3]]
        if run.error:
            found.insert(0, run.error)
        elif run.timed_out or run.oom_killed:
            found.insert(0, "the reference run hit the " + ("wall-clock" if run.timed_out else "memory") + " limit")
        if found:
            raise InternalError(f"reference for {problem.id} (seed {seed}) failed: " + "; ".join(found[:3]))
        if use_cache:
            shutil.rmtree(final, ignore_errors=True)
            work.rename(final)
            work = final
        return out
    finally:
        if work != final:
            shutil.rmtree(work, ignore_errors=True)
