"""``judge verify``: check a problem package part by part (cf. Kattis problemtools).

Each finding is one line: an error (the problem is broken) or a warning.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import problem as problems
from . import statements
from .errors import InternalError, UsageError
from .intake import read_submission
from .outputs import RunOutput
from .pipeline import judge, run_suite
from .reference import reference_output
from .sandbox.base import Backend
from .score import score
from .verdict import ORDER


@dataclass
class Finding:
    level: str  # ok | warning | error
    problem: str
    text: str

    def line(self) -> str:
        return f"{self.level.upper():7} {self.problem}: {self.text}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # problem -> verification time

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)


def _same_records(a: RunOutput, b: RunOutput) -> list[str]:
    diffs = []
    for tid, ta in a.tests.items():
        tb = b.tests.get(tid)
        if tb is None:
            diffs.append(f"{tid}: missing in the second run")
            continue
        for name, ca in ta.checks.items():
            cb = tb.checks.get(name)
            va, vb = ca["value"], cb["value"] if cb else None
            if vb is None or va.shape != vb.shape or va.dtype != vb.dtype or not np.array_equal(va, vb, equal_nan=va.dtype.kind in "fc"):
                diffs.append(f"{tid}: check {name} differs between two runs with the same seed")
    return diffs


def _structure(p: problems.Problem, emit) -> bool:
    ok = True

    def need(cond, text):
        nonlocal ok
        if not cond:
            ok = False
            emit("error", text)

    # the statement pair: an error each, but judging can still be checked (hence no `need`)
    for text in statements.findings(p.dir):
        emit("error", f"statement: {text}")
    ok = ok and p.spec_path.is_file()  # no English statement: not a problem one can hand out
    for folder, label in ((p.starter_dir, "starter"), (p.reference_dir, "reference")):
        names = sorted(f.name for f in folder.glob("*.py")) if folder.is_dir() else []
        need(sorted(p.files) == [n for n in names if n in p.files] and set(p.files) <= set(names),
             f"{label}/ must hold {', '.join(p.files)} (has: {', '.join(names) or 'nothing'})")
    for folder, label in ((p.public_dir, "public"), (p.hidden_dir, "hidden")):
        need(folder.is_dir() and any(folder.glob("test_*.py")), f"{label}/ has no test_*.py files")
    if p.submissions_dir.is_dir():
        for vdir in sorted(d for d in p.submissions_dir.iterdir() if d.is_dir()):
            if vdir.name not in ORDER:
                emit("error", f"submissions/{p.id}/{vdir.name}: not a verdict name")
                ok = False
    else:
        emit("warning", f"no sample submissions under submissions/{p.id}/")
    return ok


def samples(p: problems.Problem) -> list[tuple[str, Path]]:
    found = []
    if p.submissions_dir.is_dir():
        for vdir in sorted(d for d in p.submissions_dir.iterdir() if d.is_dir() and d.name in ORDER):
            for s in sorted(vdir.iterdir()):
                if s.is_dir() or s.suffix == ".py":
                    found.append((vdir.name, s))
    return found


def sample_meta(path: Path) -> dict:
    """A sample's ``sample.yaml`` ({} when it has none): ``backends``, ``sandbox_verdict``, ``why``."""
    meta = path / "sample.yaml"
    if not meta.is_file():
        return {}
    import yaml

    return yaml.safe_load(meta.read_text(encoding="utf-8")) or {}


def sample_backends(path: Path) -> list[str]:
    """Backends a sample is judged on: ``sample.yaml`` may say ``backends: [docker]``
    for attacks only a container can contain (the local backend says it is weaker)."""
    return list(sample_meta(path).get("backends") or [])


def _references(p: problems.Problem, backend: Backend, seeds: dict[int, int], emit, pool=None) -> dict[int, RunOutput]:
    """The reference on every variant: it passes everything, and a fresh second run records the same
    values as the first (which is the cached one when there is a cache: one new run per variant).
    The first runs in a cold sandbox, the second in a warm one when the backend has them, so a
    verification also proves that warm and cold runs of the reference give identical records.
    With ``pool`` (an executor) the runs go side by side; findings come out in variant order."""
    first = backend.cold()  # with warm sandboxes the two runs are cold and warm: both must record the same

    def run(seed, use_cache):
        try:  # cached or run now (cold) / a fresh run (warm when the backend has warm sandboxes)
            return reference_output(p, seed, first if use_cache else backend, use_cache=use_cache)
        except InternalError as exc:
            return exc

    submit = pool.submit if pool is not None else (lambda fn, *a: _Done(fn(*a)))
    runs = {v: (submit(run, seed, True), submit(run, seed, False)) for v, seed in seeds.items()}
    good = {}
    for v, seed in seeds.items():
        where = f"variant {v} (seed {seed})" if v >= 0 else f"seed {seed}"
        ref, again = (f.result() for f in runs[v])
        failed = next((r for r in (ref, again) if isinstance(r, InternalError)), None)
        if failed is not None:
            emit("error", f"{where}: {str(failed).replace(f'reference for {p.id} (seed {seed}) failed', 'the reference fails')}")
            continue
        diffs = _same_records(ref, again)
        for d in diffs[:5]:
            emit("error", f"{where}: flaky: {d}")
        if not diffs:
            emit("ok", f"{where}: reference passes {len(ref.collected)} hidden tests, same records in two runs")
            good[v] = ref
    return good


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def mutation_findings(p: problems.Problem, strict_mutants: bool = False) -> list[tuple[str, str]]:
    """mutants.yaml is valid and its mistakes apply; mutants.lock is there, current and at 100 %.
    No sandbox run: the score was measured by ``judge mutants --write-lock``."""
    from .mutants import catalogue, lock
    from .mutants.run import reference_files

    found = []
    try:
        catalogue.mistake_mutants(catalogue.load(p), reference_files(p))
    except UsageError as exc:
        found.append(("error", str(exc)))
    return found + lock.check(p, strict_missing=strict_mutants)


def verify_problem(p: problems.Problem, backend: Backend, seed: int | None = None, jobs: int = 1,
                   emit_line=print, only_samples: list[str] | None = None, all_variants: bool = False,
                   run_samples: bool = True, strict_mutants: bool = False,
                   full_timeouts: bool = False, sample_verdicts: list[str] | None = None,
                   use_lock: bool = False, write_lock: bool = False) -> list[Finding]:
    """Check one package (see ``judge verify``). Samples are judged with ``stop_at_timeout``
    (the verdict is the full run's, see pipeline.judge) unless ``full_timeouts``;
    ``sample_verdicts`` keeps only the samples expected to get one of these verdicts.
    ``use_lock``: samples recorded in a current verify.lock are not judged again;
    ``write_lock``: after a verification without error that judged every sample, write it
    (judge/verify_lock.py)."""
    findings: list[Finding] = []
    if jobs <= 0:  # as many runs side by side as the CPUs hold, never oversubscribed
        import os

        jobs = max(1, int((os.cpu_count() or 1) // max(1.0, float(p.limits.cpus))))

    def emit(level, text):
        f = Finding(level, p.id, text)
        findings.append(f)
        if emit_line:
            emit_line(f.line())

    if not _structure(p, emit):
        return findings
    for level, text in mutation_findings(p, strict_mutants):
        emit(level, text)
    seeds = {-1: seed} if seed is not None else {v: p.seed_for_variant(v) for v in range(p.variants)}
    first_seed = next(iter(seeds.values()))
    # Every sandbox run that needs no other's result goes side by side on ``jobs`` threads: the two
    # reference runs of each variant, the starter, the public tests on the reference.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, tempfile.TemporaryDirectory() as work:
        starter = Path(work) / "starter"
        shutil.copytree(p.starter_dir, starter)
        starter_run = pool.submit(run_suite, p, backend, starter, first_seed)
        public_run = pool.submit(run_suite, p, backend, p.reference_dir, 0, p.public_dir)
        refs = _references(p, backend, seeds, emit, pool=pool)
        first = next((v for v in seeds if v in refs), None)  # variant 0 unless its reference failed
        starter_out, public_out = starter_run.result(), public_run.result()
    if first is None:
        return findings
    ref, seed = refs[first], seeds[first]
    for item in ref.collected:
        if not ref.tests[item["id"]].checks:
            emit("warning", f"{item['id']} records no check: its outcome alone decides its points, "
                            "and a submission can forge that")

    # starter: 0, and every test fails (judged on the first variant's seed; if that variant's
    # reference failed, on the next good one's, run now)
    run, out = starter_out if seed == first_seed else _starter_run(p, backend, seed)
    sc = score(ref, out, p.scoring.weights)
    passing = [t.name for t in sc.tests if t.outcome == "passed"]
    if sc.percent != 0:
        emit("error", f"starter scores {sc.percent:g}, expected 0")
    elif passing:
        emit("error", f"starter passes {len(passing)} tests (e.g. {passing[0]}); every test must fail on it")
    else:
        emit("ok", "starter scores 0 and fails every test")

    # public tests pass on the reference
    run, out = public_out
    bad = [t.id for t in out.tests.values() if t.outcome != "passed"]
    if out.collected is None or bad or len(out.tests) < len(out.collected):
        emit("error", f"public tests fail on the reference: {', '.join(bad[:3]) or 'run failed'}")
    else:
        emit("ok", f"public tests pass on the reference ({len(out.collected)})")
    if not run_samples:
        return findings
    whole = not (only_samples or sample_verdicts or all_variants)  # every sample, on one variant
    names = [f"{v}/{s.name}" for v, s in samples(p)]
    if use_lock and whole:
        from . import verify_lock

        data, why = verify_lock.current(p, seed, backend.name, names)
        if data is not None:
            emit("ok", f"samples: {len(names)} verdicts recorded in {verify_lock.LOCK_NAME} for this package, "
                       f"judge and seed; not judged again")
            return findings
        emit("ok", f"samples judged: {why}")
    seen = _verify_samples(p, backend, {v: seeds[v] for v in (refs if all_variants else [first])}, jobs, emit,
                           only_samples, stop_at_timeout=not full_timeouts, verdicts=sample_verdicts)
    if write_lock:
        from . import verify_lock

        if not whole or any(f.level == "error" for f in findings) or sorted(seen) != sorted(names):
            emit("warning", f"{verify_lock.LOCK_NAME} not written: it needs every sample judged, without error")
        else:
            path = verify_lock.write(p, seed, backend.name, seen)
            emit("ok", f"wrote {path.relative_to(p.root)}")
    return findings


def _starter_run(p, backend, seed):
    with tempfile.TemporaryDirectory() as work:
        starter = Path(work) / "starter"
        shutil.copytree(p.starter_dir, starter)
        return run_suite(p, backend, starter, seed)


def _verify_samples(p, backend, seeds: dict[int, int], jobs, emit, only_samples,
                    stop_at_timeout: bool = True, verdicts: list[str] | None = None) -> dict[str, tuple[str, float]]:
    """Every sample gets the verdict its folder names (on each variant in ``seeds``); the
    (verdict, score) of each judged sample, by ``folder/name`` (the last variant's)."""
    todo = samples(p)
    if only_samples:
        todo = [(v, s) for v, s in todo if s.name in only_samples]
    if verdicts:
        todo = [(v, s) for v, s in todo if v in verdicts]
    todo = [(v, s, var) for v, s in todo for var in seeds]
    tag = len(seeds) > 1
    seen: dict[str, tuple[str, float]] = {}

    def judge_sample(item):
        expected, path, var = item
        only = sample_backends(path)
        if only and backend.name not in only:
            return expected, path, var, None, f"skip: judged only on {', '.join(only)} (sample.yaml)"
        try:
            sub = read_submission(p, path)
        except UsageError as exc:
            return expected, path, var, None, str(exc)
        doc = judge(p, sub, seeds[var], backend, stop_at_timeout=stop_at_timeout)
        return expected, path, var, doc, None

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        # the longest first (a time-limit sample runs its whole per-test limit), so they run beside
        # the others instead of alone at the end; findings still come out in folder order
        started = {id(item): pool.submit(judge_sample, item) for item in sorted(todo, key=_expected_cost)}
        for expected, path, var, doc, err in (started[id(item)].result() for item in todo):
            rel = f"{expected}/{path.name}" + (f" (variant {var})" if tag else "")
            if doc is not None:
                seen[f"{expected}/{path.name}"] = doc["verdict"], doc["score"]
            if err and err.startswith("skip: "):
                emit("warning", f"{rel}: {err[6:]}")
            elif err:
                emit("error", f"{rel}: {err}")
            elif doc["verdict"] != expected:
                emit("error", f"{rel}: got {doc['verdict']} (score {doc['score']:g}), expected {expected}"
                              f" — {str(doc.get('message'))[:200]}")
            else:
                cut = ", stopped at the first timeout" if _stopped(doc) else ""
                emit("ok", f"{rel}: {expected} (score {doc['score']:g}{cut}, "
                           f"{(doc.get('run') or {}).get('wall_seconds', 0):.1f}s)")
    return seen


def _expected_cost(item) -> int:
    """Which samples to start first: time limits, then memory limits (a job that fills its limit
    pages for seconds), then the rest, in their order."""
    return {"time_limit_exceeded": 0, "memory_limit_exceeded": 1}.get(item[0], 2)


def _stopped(doc: dict) -> bool:
    return bool(doc.get("stopped_at_timeout")) and any(t["outcome"] == "not_run" for t in doc["tests"])


def verify(problem_ids: list[str], backend: Backend, seed: int | None = None, jobs: int = 1,
           emit_line=print, root: Path | None = None, **options) -> Report:
    """Verify problems; ``options`` go to verify_problem (all_variants, run_samples, strict_mutants,
    full_timeouts, sample_verdicts, use_lock, write_lock).
    ``Report.seconds`` holds each problem's verification time."""
    root = root or problems.find_root()
    ids = problem_ids or problems.list_ids(root)
    report = Report()
    for pid in ids:
        try:
            p = problems.load(pid, root)
        except UsageError as exc:
            f = Finding("error", pid, str(exc))
            report.findings.append(f)
            emit_line and emit_line(f.line())
            continue
        start = time.monotonic()
        try:
            report.findings.extend(verify_problem(p, backend, seed=seed, jobs=jobs, emit_line=emit_line, **options))
        finally:
            backend.release()  # the next problem's runs need other warm sandboxes
        report.seconds[pid] = time.monotonic() - start
    return report
