"""``problems/<id>/verify.lock``: the sample verdicts `judge verify` saw, and on what.

Written by ``judge verify ID --write-lock`` after a verification with no error that judged
every sample with the docker backend. Its digest covers everything a sample's verdict
depends on: the problem package and its reference (as mutants.lock), the samples, the
judge's judging code (harness, sandboxes, static and integrity checks, pipeline,
comparison, scoring, verdicts) and the runtime image's definition (``docker/``); the seed
the samples were judged on is kept beside it. ``judge verify --use-lock`` (CI) does not
judge again the samples of a problem whose lock is current; every other check (the
reference on every variant twice, the starter, the public tests, mutants.lock) still runs,
and a stale or missing lock means the samples are judged as usual.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from .mutants.lock import full_digest
from .problem import Problem, _files_under  # the files Problem.digest hashes, __pycache__ left out

LOCK_NAME = "verify.lock"
PACKAGE = Path(__file__).resolve().parent
# what decides a sample's verdict, besides the problem (relative to the judge package)
JUDGING_CODE = ("harness", "sandbox", "integrity", "astsafe.py", "compare.py", "image.py", "intake.py",
                "opcheck.py", "outputs.py", "pipeline.py", "problem.py", "reference.py", "score.py", "secret.py",
                "static.py", "verdict.py", "../docker")


def _update(h, base: Path, rel_to: Path) -> None:
    for path in sorted(_files_under(base)):
        if path.suffix != ".pyc":
            h.update(str(path.resolve().relative_to(rel_to)).encode() + b"\0" + path.read_bytes() + b"\0")


def digest(problem: Problem) -> str:
    h = hashlib.sha256(full_digest(problem).encode())
    samples = problem.root / "submissions" / problem.id
    _update(h, samples, problem.root.resolve())
    top = PACKAGE.parent
    for name in JUDGING_CODE:
        _update(h, (PACKAGE / name).resolve(), top)
    return h.hexdigest()


def lock_path(problem: Problem) -> Path:
    return problem.dir / LOCK_NAME


def write(problem: Problem, seed: int, backend: str, verdicts: dict[str, tuple[str, float]]) -> Path:
    data = {"problem": problem.id, "digest": digest(problem), "seed": seed, "backend": backend,
            "samples": {name: {"verdict": v, "score": round(float(s), 2)} for name, (v, s) in sorted(verdicts.items())}}
    path = lock_path(problem)
    head = (f"# written by `judge verify {problem.id} --write-lock`; `judge verify --use-lock` (CI) trusts it "
            "while the digest matches. Do not edit.\n")
    path.write_text(head + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def current(problem: Problem, seed: int, backend: str, names: list[str]) -> tuple[dict | None, str]:
    """(the lock's data, "") when it holds for this package, judge, seed and backend and names
    exactly these samples; else (None, why not)."""
    path = lock_path(problem)
    if not path.is_file():
        return None, f"no {LOCK_NAME}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        recorded = data["digest"], int(data["seed"]), data["backend"], sorted(data["samples"])
    except Exception:
        return None, f"{LOCK_NAME} is not a valid lock"
    if recorded[0] != digest(problem):
        return None, f"{LOCK_NAME} is stale (the package, its samples or the judge's judging code changed)"
    if recorded[1] != seed:
        return None, f"{LOCK_NAME} was judged on seed {recorded[1]}, this verification's is {seed}"
    if recorded[2] != backend:
        return None, f"{LOCK_NAME} was judged with the {recorded[2]} backend, not {backend}"
    if recorded[3] != sorted(names):
        return None, f"{LOCK_NAME} names other samples"
    return data, ""
