"""The adversarial corpus (submissions/numpy-backprop/*/adv-*) against both sandboxes.

On docker and on the local backend (under bubblewrap; never without it) each
attack earns nothing (score 0 unless its folder is ``accepted``), gets the
verdict its folder names where its sample.yaml lets it be judged on that
backend, ends within the wall limit plus a small grace, and leaves the host
and the judge unharmed: no container or process left behind, no file changed
in the repository or the judge's store.
"""
import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from judge import problem as problems
from judge.intake import read_submission
from judge.pipeline import judge
from judge.verify import sample_backends, sample_meta

from .conftest import REPO

pytestmark = [pytest.mark.slow]
GRACE = 20.0  # seconds past the wall limit: container start, kill and removal under load
SAMPLES = sorted((REPO / "submissions" / "numpy-backprop").glob("*/adv-*"))


def _tree_digest() -> dict[str, str]:
    out = {}
    for top in ("problems", "reference", "judge", "submissions", "tests/fixtures"):
        for p in sorted((REPO / top).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                out[str(p.relative_to(REPO))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _containers():
    from judge.sandbox.docker import list_containers

    return {c.id for c in list_containers()}


def _backend(name):
    from judge.sandbox import get_backend

    if name == "docker":
        try:
            return get_backend("docker")
        except Exception as exc:
            if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":
                raise
            pytest.skip(f"docker backend unavailable: {exc}")
    from judge.sandbox.local import LocalBackend

    backend = LocalBackend(unsafe=False)
    if not backend.sandboxed:  # adversarial code never runs without the sandbox
        pytest.skip(f"local sandbox unavailable: {backend.no_sandbox}")
    return backend


def _job_processes() -> set[str]:
    """What local jobs of this test process left: descendant processes, and job cgroups."""
    from judge.sandbox.local import _job_procs

    me = os.getpid()
    left = {f"pid {p}" for p, _ in _job_procs(me) if p != me}
    for base in ("/sys/fs/cgroup", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/mljudge"):
        if os.path.isdir(base):
            left |= {f"cgroup {n}" for n in os.listdir(base) if n.startswith(f"mljudge-{me}-")}
    return left


@pytest.fixture(scope="module", params=["docker", "local"])
def judged(request, tmp_path_factory):
    backend = _backend(request.param)
    os.environ["JUDGE_HOME"] = str(tmp_path_factory.mktemp(f"adv-home-{request.param}"))
    p = problems.load("numpy-backprop", REPO)
    seed = p.seed_for_variant(0)
    # The reference records are cached in JUDGE_HOME before the attacks run: there to steal.
    from judge.reference import reference_output

    reference_output(p, seed, backend)
    containers = _containers if request.param == "docker" else _job_processes
    before_files, before_containers = _tree_digest(), containers()

    sandbox_only = p.model_copy(update={"strict": False})  # the sandbox itself, not the static layers

    def one(path):
        start = time.monotonic()
        doc = judge(sandbox_only, read_submission(p, path), seed, backend)
        return path, doc, time.monotonic() - start

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = {path.name: (path, doc, took) for path, doc, took in pool.map(one, SAMPLES)}
    return {"problem": p, "results": results, "files": (before_files, _tree_digest()),
            "containers": (before_containers, containers()), "backend": request.param}


def test_the_corpus_covers_each_attack():
    names = {p.name for p in SAMPLES}
    for attack in ("fork-bomb", "memory-bomb", "one-long-numpy-call", "sleep", "stdout-flood",
                   "write-outside", "fill-tmp", "network", "read-reference", "sys-exit", "os-exit",
                   "patch-pytest-and-numpy", "forge-results", "kill-parent", "many-threads",
                   "steal-reference", "computed-import-torch"):
        assert f"adv-{attack}" in names


@pytest.mark.parametrize("name", [p.name for p in SAMPLES])
def test_verdict_time_and_score(judged, name):
    path, doc, took = judged["results"][name]
    # what the sandbox alone gives an attack a strict problem rejects statically, else the folder's verdict
    expected = sample_meta(path).get("sandbox_verdict") or path.parent.name
    only = sample_backends(path)
    if not only or judged["backend"] in only:
        assert doc["verdict"] == expected, doc["message"]
    assert doc["verdict"] != "internal_error", doc["message"]
    assert took <= judged["problem"].limits.wall_seconds + GRACE
    if expected != "accepted":
        assert doc["score"] == 0.0, (doc["verdict"], doc["message"])


def test_no_container_is_left_behind(judged):
    before, after = judged["containers"]
    assert after <= before


def test_no_file_changed_on_the_host(judged):
    before, after = judged["files"]
    assert before == after


def test_steal_reference_would_steal_what_it_could_see(tmp_path):
    """The theft sample is a real attack: inside the sandbox, given a copy of
    reference/ to find, it earns 100. Without one (the runs above) it earns nothing."""
    import shutil

    from judge.outputs import read_output
    from judge.pipeline import suite_job
    from judge.reference import reference_output
    from judge.score import score

    backend = _backend("local")
    p = problems.load("numpy-backprop", REPO)
    seed = p.seed_for_variant(0)
    leak = tmp_path / "leak"
    shutil.copytree(REPO / "reference" / "numpy-backprop", leak / "reference" / "numpy-backprop")
    sample = REPO / "submissions" / "numpy-backprop" / "invalid_submission" / "adv-steal-reference"
    job = suite_job(p, sample, p.hidden_dir, tmp_path / "out", seed)
    job.mounts["leak"] = leak
    run = backend.run(job)
    assert run.error is None and not run.timed_out
    result = score(reference_output(p, seed, backend), read_output(tmp_path / "out"), p.scoring.weights)
    assert result.percent == 100.0
