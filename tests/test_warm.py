"""Warm sandboxes (judge/sandbox/warm/) against a real engine and the runtime image.

Warm and cold runs of every problem's reference give identical outcomes and
records; a job's files never reach the next job; a warm container runs one job;
the pool leaves no container or folder behind.
"""
from __future__ import annotations

import os
import textwrap

import pytest

from judge import problem as problems
from judge.outputs import read_output
from judge.pipeline import HARNESS_DIR, run_suite
from judge.sandbox.base import Job, Limits

from .conftest import REPO

pytestmark = pytest.mark.docker

docker = pytest.importorskip("docker")

from judge.sandbox import docker as dsb  # noqa: E402
from judge.sandbox import warm  # noqa: E402


@pytest.fixture(scope="module")
def warm_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("warm-pool")
    old = os.environ.get("MLJUDGE_WARM_DIR")
    os.environ["MLJUDGE_WARM_DIR"] = str(d)  # this module's containers only
    yield d
    if old is None:
        os.environ.pop("MLJUDGE_WARM_DIR", None)
    else:
        os.environ["MLJUDGE_WARM_DIR"] = old


@pytest.fixture(scope="module")
def backends(warm_dir):
    cold = dsb.DockerBackend()
    reason = cold.available()
    if reason:
        if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    hot = dsb.DockerBackend(warm="1")
    pool = warm.WarmPool(hot)
    pool.stop.set()  # no background refill: each test warms what it uses, so each run is known warm
    warm._pools[(hot.image, False)] = pool
    yield cold, hot, pool
    pool.close()
    warm._pools.pop((hot.image, False), None)


def _labelled(client, key=None):
    flt = {"label": f"mljudge.warm={key}" if key else "mljudge.warm"}
    return client.containers.list(all=True, filters=flt)


def _toy_job(tmp_path, name: str, test_code: str, solution: str = "X = 1\n") -> Job:
    sub = tmp_path / f"{name}-sub"
    tests = tmp_path / f"{name}-tests"
    sub.mkdir()
    tests.mkdir()
    (sub / "solution.py").write_text(solution)
    (tests / "test_it.py").write_text(textwrap.dedent(test_code))
    command = ["{python}", "-m", "mljudge_harness.run", "--tests", "{tests}", "--submission", "{submission}",
               "--module", "solution", "--out", "{out}", "--seed", "1", "--test-timeout", "20"]
    return Job(command=command, mounts={"submission": sub, "tests": tests}, out_dir=tmp_path / f"{name}-out",
               limits=Limits(wall_seconds=60, memory_mb=512), packages={"mljudge_harness": HARNESS_DIR},
               label=f"test-warm-{name}", runtime="numpy")


# One problem per kind of run here (NumPy; torch with the op recorder); every problem's reference is
# compared warm against cold by `judge verify` itself (verify._references: first run cold, second warm),
# which tests/test_problems.py runs on all of them.
@pytest.mark.slow
@pytest.mark.parametrize("problem_id", ["numpy-backprop", "transformer"])
def test_warm_and_cold_give_identical_records(problem_id, backends, monkeypatch):
    from judge.pipeline import suite_job
    from judge.verify import _same_records

    monkeypatch.delenv("JUDGE_ROOT", raising=False)
    cold, hot, pool = backends
    p = problems.load(problem_id, REPO)
    seed = p.seed_for_variant(0)
    pool.prewarm(suite_job(p, p.reference_dir, p.hidden_dir, REPO, seed))
    run_w, out_w = run_suite(p, hot, p.reference_dir, seed)
    run_c, out_c = run_suite(p, cold, p.reference_dir, seed)
    assert run_w.details.get("warm") is True, "the warm run fell back to a cold container"
    assert "warm" not in run_c.details
    for run in (run_w, run_c):
        assert run.error is None and not run.timed_out and not run.oom_killed, run.stderr[-800:]
    assert [c["id"] for c in out_w.collected] == [c["id"] for c in out_c.collected]
    assert {t: r.outcome for t, r in out_w.tests.items()} == {t: r.outcome for t, r in out_c.tests.items()}
    assert all(r.outcome == "passed" for r in out_w.tests.values())
    assert not _same_records(out_c, out_w) and not _same_records(out_w, out_c)
    assert out_w.forbidden_modules == out_c.forbidden_modules
    assert (out_w.oprecord is None) == (out_c.oprecord is None)


LEAK = """
    import os, pathlib

    def test_leave_traces():
        pathlib.Path("/tmp/secret-of-a").write_text("a")
        assert pathlib.Path("/sandbox/submission/solution.py").read_text() == "SECRET = 'job a'\\n"
"""

LOOK = """
    import os, pathlib

    def test_nothing_of_job_a():
        assert not os.path.exists("/tmp/secret-of-a")
        assert sorted(os.listdir("/sandbox")) == ["job.json", "out", "submission", "tests"]
        assert pathlib.Path("/sandbox/submission/solution.py").read_text() == "X = 2\\n"
        assert os.listdir("/sandbox/tests") == ["test_it.py"]
        for root, dirs, files in os.walk("/sandbox"):
            for f in files:
                p = os.path.join(root, f)
                if os.access(p, os.R_OK) and not p.startswith("/sandbox/out"):
                    assert ("job" + " a").encode() not in open(p, "rb").read(), p
"""


def test_a_jobs_files_do_not_reach_the_next_job_and_each_container_runs_once(backends, tmp_path):
    cold, hot, pool = backends
    client = dsb.engine_client()
    a = _toy_job(tmp_path, "a", LEAK, solution="SECRET = 'job a'\n")
    b = _toy_job(tmp_path, "b", LOOK, solution="X = 2\n")
    pool.prewarm(a)
    pool.prewarm(a)
    ra = hot.run(a)
    rb = hot.run(b)
    for r, job in ((ra, a), (rb, b)):
        assert r.details.get("warm") is True and r.error is None, r.stderr[-500:]
        out = read_output(job.out_dir)
        assert [t.outcome for t in out.tests.values()] == ["passed"], r.stdout[-1500:]
        assert not (job.out_dir / ".ready").exists()
    assert ra.details["container_id"] != rb.details["container_id"]
    pool._empty_trash(client)
    ids = {c.id for c in client.containers.list(all=True)}
    assert ra.details["container_id"] not in ids and rb.details["container_id"] not in ids
    assert not warm.claim(client, warm.spec_of(hot._prepare(a))["key"])  # both were used: none left


def test_the_go_signal_starts_the_wall_clock_and_limits_are_the_jobs(backends, tmp_path):
    import time

    cold, hot, pool = backends
    job = _toy_job(tmp_path, "c", """
        import os

        def test_limits():
            assert os.getuid() == (65534 if os.environ.get("HOME") == "/tmp" else os.getuid())
            for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
                if os.path.exists(path):
                    assert int(open(path).read()) == 384 << 20
    """)
    job.limits = Limits(wall_seconds=20, memory_mb=384)
    assert pool.prewarm(job) is not None
    time.sleep(21)  # longer than the job's wall limit: the clock must not have started yet
    r = hot.run(job)
    assert r.details.get("warm") is True and not r.timed_out, r.stderr[-500:]
    out = read_output(job.out_dir)
    assert [t.outcome for t in out.tests.values()] == ["passed"], r.stdout[-1500:]
    other = _toy_job(tmp_path, "d", "def test_x():\n    pass\n")  # 512 MB: another key, none warm
    assert warm.spec_of(hot._prepare(other))["key"] != warm.spec_of(hot._prepare(job))["key"]
    assert hot.run(other).details.get("warm") is None


def test_the_pool_leaves_nothing_behind(warm_dir, backends, tmp_path):
    cold, hot, _ = backends
    client = dsb.engine_client()
    pool = warm.WarmPool(hot)
    job = _toy_job(tmp_path, "e", "def test_x():\n    pass\n")
    entries = [pool.prewarm(job, wait=False), pool.prewarm(job)]
    key = warm.spec_of(hot._prepare(job))["key"]
    assert len(_labelled(client, key)) >= 2
    pool.close()
    assert not [c for c in _labelled(client, key) if c.labels.get("mljudge.owner") == pool.owner]
    assert not any(e.exists() for e in entries)


NO_DYNAMO = """
    import sys

    PRELOADED = "torch._dynamo" in sys.modules  # before this suite imported anything

    def test_plain_torch():
        import torch
        assert PRELOADED is {preloaded}
        assert float(torch.ones(2).sum()) == 2.0
"""

WITH_DYNAMO = """
    import sys

    PRELOADED = "torch._dynamo" in sys.modules

    def test_an_optimizer_step():
        import torch
        assert PRELOADED is {preloaded}
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([w], lr=0.1)
        w.sum().backward()
        opt.step()
        assert "torch._dynamo" in sys.modules
"""


@pytest.mark.slow
def test_a_warm_sandbox_preloads_the_optional_modules_the_last_run_of_its_kind_imported(backends, tmp_path):
    """torch._dynamo (1.4 s of CPU) is preloaded only after a run of the same kind imported it:
    warm-ups must not spend CPU on what the suites never use."""
    cold, hot, pool = backends

    def run(name, code, preloaded):
        job = _toy_job(tmp_path, name, code.replace("{preloaded}", str(preloaded)))
        job.runtime = "torch"
        assert pool.prewarm(job) is not None
        r = hot.run(job)
        out = read_output(job.out_dir)
        assert r.details.get("warm") is True and r.error is None, r.stderr[-800:]
        assert [t.outcome for t in out.tests.values()] == ["passed"], r.stdout[-1500:]
        return warm.slots.preload_hint(warm.spec_of(hot._prepare(job))["key"])

    assert run("first", NO_DYNAMO, False) == ""  # nothing known yet: no optional module
    assert run("second", WITH_DYNAMO, False) == "torch._dynamo"  # it imported it: learnt
    assert run("third", WITH_DYNAMO, True) == "torch._dynamo"
    # preloaded, a module is in every run's list: it stays until a cold run shows it unused
    assert run("fourth", NO_DYNAMO, True) == "torch._dynamo"
    job = _toy_job(tmp_path, "cold", NO_DYNAMO.replace("{preloaded}", "False"))
    job.runtime = "torch"
    assert cold.run(job).error is None
    warm.slots.learn(warm.spec_of(hot._prepare(job)), job.out_dir)
    assert run("fifth", NO_DYNAMO, False) == ""


def test_a_full_pool_makes_room_for_a_new_kind_and_does_not_count_expired_sandboxes(warm_dir, backends, tmp_path,
                                                                                     monkeypatch):
    """A judge that lives long (a server, the resident judge) keeps warming the kinds of job that
    come: a sandbox about to end by its idle timer is not counted as ready and is removed, and at
    the pool's cap a kind with none ready takes the place of the kind used less lately."""
    import time

    cold, hot, _ = backends
    client = dsb.engine_client()
    monkeypatch.setenv("MLJUDGE_WARM_TOTAL", "1")
    monkeypatch.setenv("MLJUDGE_WARM_SIZE", "1")
    pool = warm.WarmPool(hot)
    pool.stop.set()
    a_job = _toy_job(tmp_path, "kind-a", "def test_x():\n    pass\n")
    b_job = _toy_job(tmp_path, "kind-b", "def test_x():\n    pass\n")
    b_job.limits = Limits(wall_seconds=60, memory_mb=640)
    key_a, key_b = (warm.spec_of(hot._prepare(j))["key"] for j in (a_job, b_job))
    assert key_a != key_b
    try:
        old = pool.prewarm(a_job)
        assert warm.slots.count(key_a) == (1, 0)
        (old / "out" / ".ready").write_text(str(time.time() - warm.slots.IDLE_SECONDS + 30))
        assert warm.slots.count(key_a) == (0, 0)  # ends within the minute: not ready
        assert warm.slots.reap(client, key_a) == 1 and not old.exists()
        assert not _labelled(client, key_a)

        kept = pool.prewarm(a_job)
        pool.stop.clear()
        assert pool.run(hot._prepare(b_job)) is None  # none of kind b: the caller runs it cold
        end = time.monotonic() + 120
        while time.monotonic() < end and warm.slots.count(key_b) != (1, 0):
            time.sleep(0.5)
        assert warm.slots.count(key_b) == (1, 0)
        assert not kept.exists() and warm.slots.count(key_a) == (0, 0)  # a's place went to b
        time.sleep(3)  # and b's is not taken back for a, used less lately
        assert warm.slots.count(key_b) == (1, 0) and warm.slots.count(key_a) == (0, 0)
    finally:
        pool.close()
    assert not _labelled(client, key_b)  # (kind b is this test's alone: other pools here share the owner label)
