"""What the CLI commands do, as functions callable from Python."""
from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from pathlib import Path

from . import i18n
from . import problem as problems
from .errors import UsageError
from .intake import read_submission, write_files
from .pipeline import judge, run_suite
from .sandbox import get_backend
from .sandbox.base import Backend
from .store import Store


def choose_seed(prob: problems.Problem, seed: int | None) -> tuple[int, int | None]:
    """(seed, variant): a variant the candidate cannot choose, unless a seed is given."""
    if seed is not None:
        return seed, None
    variant = secrets.randbelow(prob.variants)
    return prob.seed_for_variant(variant), variant


def submit(problem_id: str, path: str | Path, backend: str | Backend | None = None, seed: int | None = None,
           label: str = "", store: Store | None = None, root: Path | None = None) -> dict:
    prob = problems.load(problem_id, root)
    sub = read_submission(prob, path)
    store = store or Store()
    sid = store.add_submission(prob.id, sub, label=label)  # stored before judging
    be = backend if isinstance(backend, Backend) else get_backend(backend)
    seed, variant = choose_seed(prob, seed)
    doc = judge(prob, sub, seed, be, variant=variant)
    doc["id"] = sid
    doc["label"] = label
    store.add_result(sid, doc)
    return doc


def rejudge(sid: int, backend: str | Backend | None = None, store: Store | None = None,
            root: Path | None = None) -> dict:
    """Judge a stored submission again, on the seed it was judged with."""
    store = store or Store()
    rec = store.submission(sid)
    previous = store.latest_result(sid)
    prob = problems.load(rec["problem"], root)
    sub = store.load_submission(sid)
    be = backend if isinstance(backend, Backend) else get_backend(backend or previous.get("backend"))
    doc = judge(prob, sub, previous["seed"], be, variant=previous.get("variant"))
    doc["id"] = sid
    doc["label"] = rec["label"]
    doc["rejudge_of"] = previous.get("created")
    store.add_result(sid, doc)
    return doc


def report(sid: int, store: Store | None = None) -> dict:
    return (store or Store()).latest_result(sid)


def test_public(problem_id: str, path: str | Path, backend: str | Backend | None = "local",
                root: Path | None = None) -> dict:
    """Run the public tests on a submission; outcomes only, nothing stored."""
    try:
        prob = problems.load(problem_id, root)
        public = prob.public_dir
    except UsageError:  # no problems/ here: a candidate's pack folder (judge init) has what it needs
        found = from_pack(problem_id, path)
        if found is None:
            raise
        prob, public = found
    sub = read_submission(prob, path)
    if sub.invalid:
        raise UsageError("; ".join(sub.invalid))
    be = backend if isinstance(backend, Backend) else get_backend(backend)
    with tempfile.TemporaryDirectory(prefix="mljudge-test-") as work:
        files = write_files(sub, Path(work) / "submission")
        run, out = run_suite(prob, be, files, seed=0, tests_dir=public)
    tests = [{"name": t.id, "outcome": t.outcome, "message": t.message, "details": t.details}
             for t in out.tests.values()]
    for item in out.collected or []:
        if item["id"] not in out.tests:
            tests.append({"name": item["id"], "outcome": "not_run", "message": "", "details": ""})
    passed = sum(t["outcome"] == "passed" for t in tests)
    return {"problem": prob.id, "passed": passed, "total": len(tests), "tests": tests,
            "import_error": out.import_error, "timed_out": run.timed_out, "backend": be.name,
            "stdout": run.stdout[-4000:], "stderr": run.stderr[-4000:]}


CONFTEST = '''\
"""Fixtures so the public tests run with plain `pytest` in this folder: the
judge's own harness plugin (seed, rng, torch_seed, check, the weight marker)."""
import importlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
pytest_plugins = ["judge.harness.plugin"]


@pytest.fixture(scope="session")
def solution():
    return importlib.import_module("{module}")
'''


PACK_FILE = ".mljudge-pack.json"  # what `judge test` needs to know of the problem, in a pack folder


def from_pack(problem_id: str, path: str | Path) -> tuple[problems.Problem, Path] | None:
    """(problem, public tests folder) from the pack holding ``path`` (it or a parent), or None."""
    here = Path(path).resolve()
    for folder in (here, *here.parents):
        meta = folder / PACK_FILE
        if meta.is_file():
            try:
                prob = problems.Problem.model_validate(json.loads(meta.read_text(encoding="utf-8")))
            except ValueError as exc:
                raise UsageError(f"{meta} is damaged: {str(exc).splitlines()[0]}") from None
            if prob.id != problem_id:
                raise UsageError(f"{folder} is a pack for {prob.id}, not {problem_id}")
            prob.root = folder
            return prob, folder / "tests"
    return None


def statement(problem_id: str, lang: str | None = "en", root: Path | None = None) -> dict:
    """The statement in ``lang`` (en | zh; None: the locale's): ``text``, the ``lang`` it is in
    (English when the problem has no translation yet), its ``path`` and the ``title`` (its heading)."""
    prob = problems.load(problem_id, root)
    asked = i18n.normalize(lang)
    path, shown = i18n.statement(prob, asked)
    text = path.read_text(encoding="utf-8")
    heading = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), "")
    return {"problem": prob.id, "lang": shown, "asked": asked, "path": path, "text": text,
            "title": heading or prob.title}


def _readme(prob: problems.Problem, title: str, _: i18n.Translator, original: str | None) -> str:
    files = ", ".join(prob.files)
    lines = [f"# {title}", "", _("The statement is in {spec}. Edit {files}, then:").format(spec="spec.md", files=files),
             "", f"    judge test {prob.id} .      # " + _("the public tests in tests/ (plain `pytest` works too)"),
             f"    judge submit {prob.id} .    # " + _("judged on the hidden tests")]
    if original:
        lines += ["", _("The English original of the statement is in {file}; where the two differ, it decides.")
                  .format(file=original)]
    return "\n".join(lines) + "\n"


def init(problem_id: str, dest: str | Path | None = None, root: Path | None = None, lang: str | None = "en") -> Path:
    """Write a candidate pack: statement (spec.md, in ``lang``; a translated pack adds the
    English original as spec.en.md), README in ``lang``, starter files, public tests, a conftest."""
    prob = problems.load(problem_id, root)
    st = statement(problem_id, lang, root)
    _ = i18n.translator(st["lang"])
    target = Path(dest or prob.id)
    if target.exists() and any(target.iterdir()):
        raise UsageError(_("{target} exists and is not empty; choose another folder").format(target=target))
    target.mkdir(parents=True, exist_ok=True)
    (target / "spec.md").write_text(st["text"], encoding="utf-8")
    original = None
    if st["lang"] != "en":
        original = "spec.en.md"
        shutil.copy(prob.spec_path, target / original)
    title = prob.title if st["lang"] == "en" else st["title"]
    (target / "README.md").write_text(_readme(prob, title, _, original), encoding="utf-8")
    for f in sorted(prob.starter_dir.iterdir()):
        if f.is_file():
            shutil.copy(f, target / f.name)
    tests = target / "tests"
    shutil.copytree(prob.public_dir, tests, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "conftest.py").write_text(CONFTEST.replace("{module}", prob.module))
    meta = prob.model_dump(mode="json", include={"id", "title", "version", "difficulty", "framework", "tags",
                                                 "files", "module", "limits", "max_file_kb"})
    (target / PACK_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return target
