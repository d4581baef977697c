"""The judging pipeline, one way: static checks → sandbox run → compare → score → verdict.

``judge(problem, submission, seed, backend)`` returns the result document
(``schema: judge.result/1``). Storing and reporting are the caller's. Its
``integrity`` list holds the integrity flags (judge/integrity/) for the
interviewer; a ``strict`` problem turns the first into ``invalid_submission``.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from . import __version__, opcheck, static
from .errors import InternalError
from .intake import Submission, write_files
from .outputs import RunOutput, read_output
from .problem import Problem
from .reference import reference_output
from .sandbox.base import Backend, Job, Limits, RunResult
from .score import score
from .verdict import Facts, decide

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
SCHEMA = "judge.result/1"
LOG_CAP = 64 * 1024  # stdout/stderr kept in the result document


def limits_for(problem: Problem) -> Limits:
    lim = problem.limits
    return Limits(wall_seconds=lim.wall_seconds, memory_mb=lim.memory_mb, cpus=lim.cpus, pids=lim.pids,
                  output_bytes=lim.output_kb * 1024, tmp_mb=lim.tmp_mb, shm_mb=lim.shm_mb)


def suite_job(problem: Problem, submission_dir: Path, tests_dir: Path, out_dir: Path, seed: int,
              stop_early: bool = False, stop_at_timeout: bool = False) -> Job:
    """The sandbox job running a suite; ``stop_early`` ends it at the first failed test
    (pytest's maxfail), for callers that only need to know whether any test fails;
    ``stop_at_timeout`` at the first test that hits the per-test limit."""
    command = [
        "{python}", "-m", "mljudge_harness.run",
        "--tests", "{tests}", "--submission", "{submission}", "--module", problem.module,
        "--out", "{out}", "--seed", str(seed), "--test-timeout", str(problem.limits.test_seconds),
        *opcheck.harness_args(problem),
        *(["--maxfail", "1"] if stop_early else []),
        *(["--stop-at-timeout"] if stop_at_timeout else []),
    ]
    return Job(command=command, mounts={"submission": submission_dir, "tests": tests_dir}, out_dir=out_dir,
               limits=limits_for(problem), packages={"mljudge_harness": HARNESS_DIR},
               label=f"{problem.id} seed={seed}", runtime=problem.runtime)


def run_suite(problem: Problem, backend: Backend, submission_dir: Path, seed: int,
              tests_dir: Path | None = None, out_dir: Path | None = None,
              stop_early: bool = False, stop_at_timeout: bool = False) -> tuple[RunResult, RunOutput]:
    """Run a test suite (hidden by default) on a folder of solution files, in the sandbox."""
    own = out_dir is None
    out = Path(tempfile.mkdtemp(prefix="mljudge-out-")) if own else out_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        out.chmod(0o777)
        job = suite_job(problem, submission_dir, tests_dir or problem.hidden_dir, out, seed, stop_early,
                        stop_at_timeout)
        run = backend.run(job)
        return run, read_output(out)
    finally:
        if own:
            shutil.rmtree(out, ignore_errors=True)


def _run_summary(run: RunResult, output: RunOutput) -> dict:
    return {
        "exit_code": run.exit_code, "timed_out": run.timed_out, "oom_killed": run.oom_killed,
        "wall_seconds": run.wall_seconds, "peak_memory_bytes": run.peak_memory_bytes,
        "stdout": run.stdout[-LOG_CAP:], "stderr": run.stderr[-LOG_CAP:],
        "output_truncated": run.output_truncated, "problems": output.problems,
        "session": output.session, "details": run.details,
    }


def _crash(run: RunResult, output: RunOutput) -> str | None:
    if output.import_error:
        return output.import_error
    if output.session is None:
        tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or [""]
        return f"the run ended before the tests finished (exit code {run.exit_code}) {tail[0][:200]}".strip()
    status = output.session.get("exitstatus")
    if status in (2, 3, 4):
        return f"pytest stopped with exit status {status} (interrupted or collection error)"
    return None


def _time_reason(run: RunResult, output: RunOutput, result, hard_only: bool = False) -> str | None:
    """TLE: the wall limit, or (unless the run was stopped for memory, which then
    explains it better) an import cut by the per-test timeout or a timed-out test
    in a submission that is not accepted (its other points still count)."""
    if run.timed_out:
        return f"the run hit the wall-clock limit ({run.wall_seconds:.0f}s); tests that finished keep their points"
    if hard_only:
        return None
    if (output.session or {}).get("import_timed_out") is True:
        return "importing the submission took longer than the per-test limit"
    slow = [t.name for t in result.tests if t.outcome == "timeout"]
    if slow and result.percent < 100:
        return f"{len(slow)} test(s) hit the per-test time limit, e.g. {slow[0]}"
    return None


def judge(problem: Problem, sub: Submission, seed: int, backend: Backend, variant: int | None = None,
          stop_early: bool = False, stop_at_timeout: bool = False) -> dict:
    """Judge one submission. ``stop_early`` (mutation testing only) ends the suite at the
    first failed test: the tests after it are ``not_run`` and earn nothing, so the score is
    lower than a full run's but below 100 exactly when a full run's is. Passed tests are
    still compared with the reference, so a check that differs still loses its point.

    ``stop_at_timeout`` (verify's samples) ends the suite at the first test that hits the
    per-test limit. The verdict is the full run's: that test earns nothing, so the score is
    below 100 and ``time_limit_exceeded`` (above every verdict a run can give) holds either
    way; only a timed-out submission's score is lower. A run that times out nowhere is the
    full run."""
    doc = {
        "schema": SCHEMA, "id": None, "problem": problem.id, "problem_version": problem.version,
        "problem_digest": problem.digest(), "verdict": None, "score": 0.0, "earned": 0.0, "total": 0.0,
        "seed": seed, "variant": variant, "backend": backend.name, "runtime": backend.runtime_id(problem.runtime),
        "judge_version": __version__,
        "created": time.time(), "message": "",
        "submission": {"files": sorted(sub.files), "ignored": sub.ignored, "content_hash": sub.content_hash,
                       "source": sub.source},
        "tests": [], "run": None, "integrity": [],
    }
    if stop_early:
        doc["stopped_early"] = True
    if stop_at_timeout:
        doc["stopped_at_timeout"] = True
    facts = Facts()
    texts = sub.texts()
    if sub.invalid:
        facts.invalid = "; ".join(sub.invalid)
    else:
        facts.compile_error = static.syntax_error(texts)
        if facts.compile_error is None:
            found = static.forbidden_uses(texts, problem.forbidden_imports, problem.forbidden_calls)
            doc["integrity"] = static.integrity_flags(texts)
            if found:
                facts.invalid = "; ".join(found)
            elif problem.strict and doc["integrity"]:
                facts.invalid = static.strict_message(doc["integrity"])
    if facts.invalid or facts.compile_error:
        return _finish(doc, facts)

    try:
        ref = reference_output(problem, seed, backend)
    except InternalError as exc:
        facts.internal_error = str(exc)
        return _finish(doc, facts)
    with tempfile.TemporaryDirectory(prefix="mljudge-sub-") as work:
        files = write_files(sub, Path(work) / "submission")
        run, output = run_suite(problem, backend, files, seed, stop_early=stop_early,
                                stop_at_timeout=stop_at_timeout)
    doc["run"] = _run_summary(run, output)
    if run.error:
        facts.internal_error = run.error
        return _finish(doc, facts)
    result = score(ref, output, problem.scoring.weights)
    doc["tests"] = [t.to_dict() for t in result.tests]
    doc["earned"], doc["total"], doc["score"] = result.earned, result.total, result.percent
    facts.score = result.percent
    doc["runtime_integrity"] = opcheck.summary(problem, output)
    broken = opcheck.findings(problem, output)
    if broken:
        facts.invalid = broken[0] + (f" (+{len(broken) - 1} more)" if len(broken) > 1 else "")
    if run.oom_killed:
        facts.memory = "the run was stopped for using more than the memory limit"
    elif any(t.memory_error for t in output.tests.values()):
        facts.memory = "a test ran out of memory (MemoryError)"
    facts.timed_out = _time_reason(run, output, result, hard_only=facts.memory is not None)
    facts.crashed = None if (facts.timed_out or facts.memory) else _crash(run, output)
    return _finish(doc, facts)


def _finish(doc: dict, facts: Facts) -> dict:
    verdict = decide(facts)
    doc["verdict"] = verdict
    doc["message"] = {
        "internal_error": facts.internal_error,
        "invalid_submission": facts.invalid,
        "compilation_error": facts.compile_error,
        "time_limit_exceeded": facts.timed_out,
        "memory_limit_exceeded": facts.memory,
        "runtime_error": facts.crashed,
    }.get(verdict) or f"{doc['earned']:g} of {doc['total']:g} points"
    if verdict == "invalid_submission" and doc["earned"]:
        # broke the problem's rules at run time: the tests' points (kept per test for the
        # interviewer) do not count, so no report or gradebook export gives credit
        doc["points_before_invalid"] = doc["earned"]
        doc["earned"], doc["score"] = 0.0, 0.0
    return doc
