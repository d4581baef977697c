"""Judge mutants of the reference with the hidden suite: the mutation score of a problem.

A mutant is killed when, on some variant, its verdict is not ``accepted`` or
its score is below 100; its other variants are then not judged. Each run stops
at the mutant's first failed test (``stop_early``): one lost point decides it. Results are
cached in ``JUDGE_HOME/cache/mutants/<problem>/<digest>/<runtime>/`` by
(problem digest, mutant id and source, seed).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InternalError, UsageError
from ..intake import Submission
from ..pipeline import judge
from ..problem import Problem
from ..reference import reference_output
from ..sandbox.base import Backend
from ..store import judge_home
from . import catalogue
from .generate import Mutant, generate_file


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | equivalent
    reason: str = ""  # killed: "variant 1: partial (66.7)"; equivalent: the declared reason
    judged: int = 0  # sandbox runs made now (0 when every answer came from the cache)


@dataclass
class MutationReport:
    problem: str
    variants: list[int]
    outcomes: list[Outcome] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # equivalent entries matching no mutant
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def generated(self) -> int:
        return len(self.outcomes)

    @property
    def score(self) -> float:
        live = self.generated - self.count("equivalent")
        return 100.0 if live == 0 else round(100.0 * self.count("killed") / live, 2)

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "survived"]


def reference_files(problem: Problem) -> dict[str, str]:
    missing = [f for f in problem.files if not (problem.reference_dir / f).is_file()]
    if missing:
        raise UsageError(f"reference/{problem.id}/ lacks {', '.join(missing)}")
    return {f: (problem.reference_dir / f).read_text(encoding="utf-8") for f in problem.files}


def all_mutants(problem: Problem, cat: catalogue.Catalogue | None = None) -> list[Mutant]:
    """Generated mutants of every reference file, then the catalogue's mistakes."""
    originals = reference_files(problem)
    cat = cat or catalogue.load(problem)
    found = [m for f in problem.files for m in generate_file(f, originals[f])]
    return found + catalogue.mistake_mutants(cat, originals)


def parse_variants(spec: str | None, problem: Problem) -> list[int]:
    if spec in (None, "", "all"):
        return list(range(problem.variants))
    try:
        out = sorted({int(x) for x in spec.split(",")})
    except ValueError:
        raise UsageError(f"--variants: expected 'all' or numbers like 0,1 (got {spec!r})") from None
    bad = [v for v in out if not 0 <= v < problem.variants]
    if bad:
        raise UsageError(f"--variants: {problem.id} has variants 0..{problem.variants - 1} (got {bad[0]})")
    return out


def _cache_file(problem: Problem, backend: Backend, m: Mutant, seed: int) -> Path:
    runtime = backend.runtime_id(problem.runtime).replace(":", "_").replace("/", "_")
    key = hashlib.sha1(f"{m.id}\0{m.source}\0{seed}".encode()).hexdigest()[:20]
    return judge_home() / "cache" / "mutants" / problem.id / problem.digest() / runtime / f"{key}.json"


def judge_mutant(problem: Problem, backend: Backend, m: Mutant, seed: int, variant: int,
                 use_cache: bool = True, stop_early: bool = True) -> tuple[dict, bool]:
    """``({verdict, score, killed}, judged_now)`` for one mutant on one seed. With
    ``stop_early`` the suite ends at the first failed test, so a killed mutant's score
    is a lower bound; whether it is killed is the same as with a full run."""
    path = _cache_file(problem, backend, m, seed)
    if use_cache and path.is_file():
        try:
            return json.loads(path.read_text()), False
        except (OSError, ValueError):
            pass
    files = {f: (problem.reference_dir / f).read_bytes() for f in problem.files}
    files[m.file] = m.source.encode("utf-8")
    doc = judge(problem, Submission(files=files, source=f"mutant {m.id}"), seed, backend, variant=variant,
                stop_early=stop_early)
    if doc["verdict"] == "internal_error":
        raise InternalError(f"mutant {m.id} (variant {variant}): {doc['message']}")
    res = {"verdict": doc["verdict"], "score": doc["score"],
           "killed": doc["verdict"] != "accepted" or doc["score"] < 100}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(res))
    tmp.replace(path)
    return res, True


def run(problem: Problem, backend: Backend, jobs: int = 1, variants: list[int] | None = None,
        emit=print, use_cache: bool = True, stop_early: bool = True) -> MutationReport:
    start = time.monotonic()
    cat = catalogue.load(problem)
    mutants = all_mutants(problem, cat)
    variants = list(range(problem.variants)) if variants is None else variants
    report = MutationReport(problem.id, variants)
    equivalent, report.stale = catalogue.match_equivalents(cat, mutants)
    todo = []
    for m in mutants:
        eq = equivalent.get(m.id)
        report.outcomes.append(Outcome(m, "equivalent", eq.reason) if eq else Outcome(m, "pending"))
        if not eq:
            todo.append(report.outcomes[-1])
    seeds = {v: problem.seed_for_variant(v) for v in variants}
    for v, seed in seeds.items():  # the reference records, once per variant, before the mutants race for them
        try:
            reference_output(problem, seed, backend)
        except InternalError as exc:
            raise InternalError(f"variant {v}: {exc}") from None
    lock = threading.Lock()

    def work(o: Outcome):
        for v in variants:
            res, now = judge_mutant(problem, backend, o.mutant, seeds[v], v, use_cache, stop_early)
            o.judged += now
            if res["killed"]:
                o.status, o.reason = "killed", f"variant {v}: {res['verdict']} ({res['score']:g})"
                break
        else:
            o.status = "survived"
        with lock:
            if emit:
                emit(line(o))
        return o

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(work, todo))
    report.seconds = time.monotonic() - start
    return report


def line(o: Outcome) -> str:
    m = o.mutant
    text = f"{o.status:9} {m.id}  L{m.lineno}: {m.line.splitlines()[0][:70]}  →  {m.mutated.splitlines()[0][:70] if m.mutated else '(removed)'}"
    return text + (f"  [{o.reason}]" if o.reason else "")
