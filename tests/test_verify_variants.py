"""`judge verify` runs the reference on every variant and checks mutants.yaml and mutants.lock.

The `flip` problem is built here: its reference records the same check twice in
one test on variant 1 only (as quantization did), so only variant 1 fails.
"""
import shutil
from pathlib import Path

import pytest
import yaml

from judge import problem as problems
from judge.mutants import lock
from judge.mutants.run import MutationReport
from judge.verify import mutation_findings, verify, verify_problem

PROBLEM_YAML = """\
id: flip
title: A problem whose reference fails on variant 1 only
version: 1
difficulty: easy
framework: numpy
files: [solution.py]
variants: 2
limits: {wall_seconds: 20, test_seconds: 5, memory_mb: 512}
"""
HIDDEN = """\
def test_double(check, seed, solution):
    check("zp0/ties", solution.double(2.0))
    if seed == SEED1:
        check("zp0/ties", solution.double(2.0))


def test_half(check, rng, solution):
    check("half", solution.half(float(rng.standard_normal())))
"""
REFERENCE = "def double(x):\n    return 2 * x\n\n\ndef half(x):\n    return x / 2\n"
STARTER = ("def double(x):\n    raise NotImplementedError\n\n\n"
           "def half(x):\n    raise NotImplementedError\n")
PUBLIC = "def test_double(solution):\n    assert solution.double(1.0) == 2.0\n"


@pytest.fixture
def flip_root(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    d = root / "problems" / "flip"
    for sub in ("hidden", "public", "starter"):
        (d / sub).mkdir(parents=True)
    (d / "problem.yaml").write_text(PROBLEM_YAML)
    (d / "spec.md").write_text("# flip\n\nDouble and halve a number.\n")
    (d / "spec.zh.md").write_text("# flip\n\n把一个数加倍再减半。\n")
    (d / "starter" / "solution.py").write_text(STARTER)
    (d / "public" / "test_public.py").write_text(PUBLIC)
    (root / "reference" / "flip").mkdir(parents=True)
    (root / "reference" / "flip" / "solution.py").write_text(REFERENCE)
    seed1 = problems.load("flip", root).seed_for_variant(1)
    (d / "hidden" / "test_hidden.py").write_text(HIDDEN.replace("SEED1", str(seed1)))
    monkeypatch.setenv("JUDGE_ROOT", str(root))
    return root


def test_verify_names_the_failing_variant_and_test(flip_root, local_backend):
    p = problems.load("flip", flip_root)
    lock.write(p, MutationReport("flip", [0, 1]))  # measured ...
    (p.dir / "spec.md").write_text("# flip\n\nDouble and halve a number (edited).\n")  # ... then changed
    lines = []
    rep = verify(["flip"], local_backend, emit_line=lines.append, root=flip_root)
    errors = [f.text for f in rep.findings if f.level == "error"]
    assert any(t.startswith("variant 1 (seed ") and "test_hidden.py::test_double" in t
               and "recorded twice" in t for t in errors), lines
    assert not any(t.startswith("variant 0") for t in errors), lines
    assert any(f.level == "ok" and f.text.startswith("variant 0 (seed ") for f in rep.findings), lines
    assert any("mutants.lock is stale" in t for t in errors), lines
    assert len(errors) == 2, lines
    assert set(rep.seconds) == {"flip"} and rep.seconds["flip"] > 0


def test_the_lock_is_checked_and_a_missing_one_is_a_warning_unless_strict(fixture_root, tmp_path, local_backend):
    root = tmp_path / "repo"
    shutil.copytree(fixture_root, root, ignore=shutil.ignore_patterns("__pycache__"))
    p = problems.load("toy", root)
    assert [lv for lv, t in mutation_findings(p) if t.startswith("no mutants.lock")] == ["warning"]
    assert [lv for lv, t in mutation_findings(p, True) if t.startswith("no mutants.lock")] == ["error"]
    lock.write(p, MutationReport("toy", [0, 1]))
    assert [lv for lv, t in mutation_findings(p, True)] == ["ok"]
    # a catalogue entry whose find is not in the reference is a one-line error, and the lock is stale now
    (p.dir / "mutants.yaml").write_text('mistakes:\n  - {name: gone, file: solution.py, find: "nowhere", replace: "x"}\n')
    found = verify_problem(p, local_backend, emit_line=None, run_samples=False, strict_mutants=True)
    errors = [f.text for f in found if f.level == "error"]
    assert any("mistake gone: 'find' occurs 0 times" in t for t in errors) and all("\n" not in t for t in errors)
    assert any("mutants.lock is stale" in t for t in errors)
    assert len(errors) == 2, errors


def test_all_variants_judges_samples_on_every_variant(fixture_root, local_backend):
    p = problems.load("toy", fixture_root)
    lines = []
    found = verify_problem(p, local_backend, emit_line=lines.append, all_variants=True, only_samples=["no-scale"])
    assert [f.text.split(":")[0] for f in found if "no-scale" in f.text] == \
        ["partial/no-scale (variant 0)", "partial/no-scale (variant 1)"], lines
    assert not any(f.level == "error" for f in found), lines


def test_time_limit_samples_start_first_and_findings_keep_folder_order(fixture_root, local_backend, monkeypatch):
    """A time-limit sample runs out its whole limit: started last, it runs alone at the end."""
    import judge.verify as verify_mod

    started = []
    real = verify_mod.judge

    def recording(p, sub, seed, backend, **kw):
        started.append(Path(sub.source).parent.name)
        return real(p, sub, seed, backend, **kw)

    monkeypatch.setattr(verify_mod, "judge", recording)
    p = problems.load("toy", fixture_root)
    lines = []
    found = verify_problem(p, local_backend, jobs=2, emit_line=lines.append,
                           only_samples=["loop", "no-scale", "spin", "zeros"])
    assert "time_limit_exceeded" in started[:2], started  # among the first two, on the 2 threads
    assert sorted(started) == ["accepted", "partial", "time_limit_exceeded", "wrong_answer"]
    sample_lines = [f.text.split(":")[0] for f in found if "/" in f.text.split(":")[0]]
    assert sample_lines == ["accepted/loop", "partial/no-scale", "time_limit_exceeded/spin", "wrong_answer/zeros"]
    assert not any(f.level == "error" for f in found), lines


def test_verify_lock_records_sample_verdicts_and_a_current_one_spares_judging_them(
        fixture_root, tmp_path, local_backend, monkeypatch):
    import judge.verify as verify_mod
    from judge import verify_lock

    root = tmp_path / "repo"
    shutil.copytree(fixture_root, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("JUDGE_ROOT", str(root))
    p = problems.load("toy", root)
    names = sorted(f"{v}/{s.name}" for v, s in verify_mod.samples(p))
    # a filtered verification does not write one
    found = verify_problem(p, local_backend, jobs=2, emit_line=None, only_samples=["loop"], write_lock=True)
    assert not verify_lock.lock_path(p).exists()
    assert any("verify.lock not written" in f.text for f in found)
    found = verify_problem(p, local_backend, jobs=2, emit_line=None, write_lock=True)
    assert not any(f.level == "error" for f in found), [f.line() for f in found]
    data = yaml.safe_load(verify_lock.lock_path(p).read_text())
    assert sorted(data["samples"]) == names and data["backend"] == "local"
    assert data["samples"]["partial/no-scale"]["verdict"] == "partial"
    assert data["seed"] == p.seed_for_variant(0)

    judged = []
    real = verify_mod.judge
    monkeypatch.setattr(verify_mod, "judge", lambda *a, **kw: judged.append(a[1].source) or real(*a, **kw))
    found = verify_problem(p, local_backend, jobs=2, emit_line=None, use_lock=True)
    assert judged == [] and any("not judged again" in f.text for f in found)
    assert not any(f.level == "error" for f in found)
    # the mutation lock is not made stale by it
    assert verify_lock.LOCK_NAME in lock.SKIP

    seed = p.seed_for_variant(0)
    assert verify_lock.current(p, seed + 1, "local", names)[1].startswith("verify.lock was judged on seed")
    assert "backend" in verify_lock.current(p, seed, "docker", names)[1]
    assert verify_lock.current(p, seed, "local", names[1:])[1] == "verify.lock names other samples"
    sample = root / "submissions" / "toy" / "partial" / "no-scale"
    target = next(sample.rglob("*.py"))
    target.write_text(target.read_text() + "\n# edited\n")
    assert "stale" in verify_lock.current(p, seed, "local", names)[1]
    found = verify_problem(p, local_backend, jobs=2, emit_line=None, use_lock=True, only_samples=None)
    assert len(judged) == len(names) and any("samples judged: verify.lock is stale" in f.text for f in found)


def test_verify_lock_digest_follows_the_judging_code_not_the_rest(fixture_root, tmp_path, monkeypatch):
    from judge import verify_lock

    pkg = tmp_path / "copy" / "judge"
    shutil.copytree(verify_lock.PACKAGE, pkg, ignore=shutil.ignore_patterns("__pycache__", "templates", "locale"))
    monkeypatch.setattr(verify_lock, "PACKAGE", pkg)
    p = problems.load("toy", fixture_root)
    before = verify_lock.digest(p)
    (pkg / "service.py").write_text((pkg / "service.py").read_text() + "\n# not judging code\n")
    assert verify_lock.digest(p) == before
    (pkg / "compare.py").write_text((pkg / "compare.py").read_text() + "\n# judging code\n")
    changed = verify_lock.digest(p)
    assert changed != before
    (pkg / "harness" / "plugin.py").write_text((pkg / "harness" / "plugin.py").read_text() + "\n# the sandbox side\n")
    assert verify_lock.digest(p) != changed
