"""`judge verify --use-lock` on every shipped problem: reference 100 on every variant
(twice, same records), starter 0, public tests pass, each sample gets the verdict its
folder names (judged here unless a current verify.lock records it), and a
mutants.lock of the current package at 100 % (a missing lock fails here).

Uses the docker backend when an engine and the image are there; with
MLJUDGE_REQUIRE_DOCKER=1 (set by scripts/test.sh, so in CI) a missing engine
is a failure, not a fallback.
"""
import os
import time

import pytest

from judge import problem as problems
from judge.verify import verify_problem

from .conftest import REPO

IDS = problems.list_ids(REPO)
SECRET = "mljudge-test-verify"


@pytest.fixture(scope="module")
def backend():
    """Docker with warm sandboxes (as `judge verify` runs): the many runs of a verification
    find their framework already imported. The pool is removed when the module ends."""
    from judge.sandbox import get_backend, warm
    from judge.sandbox.local import LocalBackend

    if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":
        yield get_backend("docker", warm="1")
    else:
        try:
            yield get_backend("docker", warm="1")
        except Exception:
            yield LocalBackend()
    warm.close_all()


@pytest.mark.slow
@pytest.mark.parametrize("problem_id", IDS)
def test_verify(problem_id, backend, monkeypatch):
    monkeypatch.delenv("JUDGE_ROOT", raising=False)
    # one fixed secret, so the variant seeds (and every verdict) are the same in CI as on a
    # developer's machine; a sample's verdict on other seeds is `judge verify --seed N`'s job
    monkeypatch.setenv("MLJUDGE_SECRET", SECRET)
    p = problems.load(problem_id, REPO)
    lines = []
    start = time.monotonic()
    try:
        # 0: as the CPUs hold; strict: every shipped problem has a mutants.lock at 100 %
        # use_lock: a problem whose verify.lock is current (same package, samples, judging code and
        # seed) has its samples' verdicts on record and they are not judged again; the rest runs
        findings = verify_problem(p, backend, jobs=0, emit_line=lines.append, strict_mutants=True, use_lock=True)
    finally:
        backend.release()  # this problem's idle warm sandboxes: the next one needs its own
    lines.append(f"time    {problem_id}: {time.monotonic() - start:.1f}s")
    print("\n".join(lines))
    errors = [f.line() for f in findings if f.level == "error"]
    assert not errors, "\n".join(errors)
