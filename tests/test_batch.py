"""`judge batch`: 20 mixed submissions (a crash and two timeouts among them), resumable, CSV and HTML."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from rich.console import Console

from judge import batch as batches
from judge.errors import UsageError
from judge.report import index

from .browser import PHONE, dump_dom, screenshot
from .conftest import FIXTURE_ROOT

TOY = FIXTURE_ROOT / "submissions" / "toy"
REF = (FIXTURE_ROOT / "reference" / "toy" / "solution.py").read_text()
LOOP = (TOY / "accepted" / "loop" / "solution.py").read_text()
NO_SCALE = (TOY / "partial" / "no-scale" / "solution.py").read_text()

# name -> (verdict it must get, how to make it: a sample folder to copy, or the text of solution.py)
MIXED = {
    "alice": ("accepted", TOY / "accepted" / "loop"),
    "alice-again": ("accepted", "# second attempt\n" + LOOP),
    "bob.py": ("accepted", REF),
    "carol.py": ("accepted", '"""My solution."""\n' + REF),
    "dan": ("partial", TOY / "partial" / "no-scale"),
    "dan2.py": ("partial", NO_SCALE + "\n# done\n"),
    "erin": ("partial", REF.replace("return float(np.sum(x))", "return float(np.sum(x)) + 1.0")),
    "frank": ("wrong_answer", TOY / "wrong_answer" / "zeros"),
    "gwen.py": ("wrong_answer", "def scale(x, a):\n    return x\n\n\ndef total(x):\n    return 0\n"),
    "hal": ("runtime_error", TOY / "runtime_error" / "import-crash"),
    "ivy.py": ("runtime_error", "import numpy as np\n\nnp.definitely_not_there()\n"),
    "jon": ("compilation_error", TOY / "compilation_error" / "syntax"),
    "kim.py": ("compilation_error", "def scale(x, a:\n    return x\n"),
    "lea": ("invalid_submission", TOY / "invalid_submission" / "imports-os"),
    "max": ("invalid_submission", None),  # an empty folder
    "ned": ("time_limit_exceeded", TOY / "time_limit_exceeded" / "spin"),  # the wall clock ends it
    "ola.py": ("time_limit_exceeded",  # the per-test limit ends it; the other tests keep their points
               "def scale(x, a):\n    while True:\n        pass\n\n\ndef total(x):\n    return float(sum(x))\n"),
    "pat": ("accepted", "import numpy as np\n\n\ndef scale(x, a):\n    return np.multiply(x, a, dtype=float)\n\n\n"
                        "def total(x):\n    return float(np.add.reduce(np.asarray(x, dtype=float)))\n"),
    "quinn": ("partial", REF.replace("return a * np", "return -a * np")),
    "rob": ("wrong_answer", "def scale(x, a):\n    return None\n\n\ndef total(x):\n    return None\n"),
}


def make_folder(base, entries=MIXED):
    folder = base / "submissions"
    folder.mkdir()
    for name, (_, how) in entries.items():
        target = folder / name
        if how is None:
            target.mkdir()
        elif isinstance(how, str) and name.endswith(".py"):
            target.write_text(how)
        elif isinstance(how, str):
            target.mkdir()
            (target / "solution.py").write_text(how)
        else:
            shutil.copytree(how, target)
    (folder / "README.txt").write_text("not a submission\n")
    (folder / ".DS_Store").write_text("")
    return folder


def run(folder, out, backend, home, **kw):
    return batches.run("toy", folder, out=out, backend=backend, root=FIXTURE_ROOT, home=home,
                       console=Console(file=io.StringIO()), **kw)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, local_backend):
    """The 20 submissions judged once, 4 at a time; the outputs written."""
    base = tmp_path_factory.mktemp("batch")
    home = base / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv("JUDGE_HOME", str(home))
    mp.setenv("JUDGE_ROOT", str(FIXTURE_ROOT))
    folder = make_folder(base)
    result = run(folder, base / "out", local_backend, home, jobs=4)
    paths = index.write(result)
    yield {"result": result, "paths": paths, "folder": folder, "out": base / "out", "home": home}
    mp.undo()


def test_twenty_mixed_submissions_get_their_verdicts(graded):
    result = graded["result"]
    assert len(MIXED) == 20 and [r.name for r in result.rows] == sorted(MIXED)
    got = {r.name: r.verdict for r in result.rows}
    assert got == {name: verdict for name, (verdict, _) in MIXED.items()}
    assert {r.status for r in result.rows} == {"judged"}
    assert result.skipped == ["README.txt"]
    assert len({r.doc["seed"] for r in result.rows}) == 1  # one seed for the whole batch
    assert len({r.doc["id"] for r in result.rows}) == 20


def test_the_csv(graded):
    with graded["paths"]["csv"].open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == sorted(MIXED)
    by_name = {r["name"]: r for r in rows}
    assert by_name["alice"]["verdict"] == "accepted" and by_name["alice"]["score"] == "100"
    assert by_name["dan"]["test_hidden.py::test_scale"] == "0" and by_name["dan"]["test_hidden.py::test_total"] == "1"
    assert by_name["jon"]["test_hidden.py::test_scale"] == ""  # never ran
    for r in rows:
        assert (graded["out"] / r["report"]).is_file()


def test_similar_pairs_are_flagged(graded):
    flagged = {(p.a, p.b) for p in graded["result"].flagged}
    for pair in [("alice", "alice-again"), ("bob.py", "carol.py"), ("dan", "dan2.py")]:
        assert pair in flagged
    assert ("alice", "pat") not in flagged and ("alice", "bob.py") not in flagged
    summary = json.loads(graded["paths"]["summary"].read_text())
    assert summary["threshold"] == batches.similarity.THRESHOLD
    assert {(p["a"], p["b"]) for p in summary["pairs"] if p["flagged"]} == flagged


def test_the_html_index_in_a_browser(graded, tmp_path):
    page = graded["paths"]["index"]
    text = page.read_text()
    assert "<script" not in text and "https://" not in text
    dom = dump_dom(page, tmp_path / "profile")
    assert dom.count('href="reports/') == 20
    for name in MIXED:
        assert name in dom
    for section in ('id="distribution"', 'id="pass-rates"', 'id="submissions"', 'id="pairs"'):
        assert section in dom
    assert "test_hidden.py::test_scale" in dom  # per-test pass rates
    assert 'class="hit"' in dom  # the side-by-side view marks the matching lines
    assert screenshot(page, tmp_path / "index-phone.png", tmp_path / "profile", PHONE) == PHONE
    keep = os.environ.get("MLJUDGE_SCREENSHOTS")
    if keep:
        shutil.copy(tmp_path / "index-phone.png", keep)


def test_a_rerun_judges_nothing_again(graded, local_backend, monkeypatch):
    def must_not_judge(*args, **kwargs):
        raise AssertionError("judged again")

    monkeypatch.setattr(batches, "judge", must_not_judge)
    again = run(graded["folder"], graded["out"], local_backend, graded["home"], jobs=4)
    assert again.count("reused") == 20 and again.count("judged") == 0 and again.count("failed") == 0
    assert again.seed == graded["result"].seed  # the seed kept in the output folder
    assert {r.name: r.doc["id"] for r in again.rows} == {r.name: r.doc["id"] for r in graded["result"].rows}


def test_the_cli_rerun_reports_nothing_judged(graded):
    env = {**os.environ, "JUDGE_ROOT": str(FIXTURE_ROOT), "JUDGE_HOME": str(graded["home"])}
    proc = subprocess.run([sys.executable, "-m", "judge.cli", "batch", "toy", str(graded["folder"]), "--out",
                           str(graded["out"]), "--backend", "local", "-j", "2"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "0 judged, 20 already judged" in proc.stdout
    assert "alice" in proc.stdout and "similar: alice ↔ alice-again" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_one_submission_crashing_the_judge_does_not_stop_the_batch(tmp_path, local_backend, judge_home,
                                                                     fixture_root, monkeypatch):
    entries = {"good": ("accepted", REF), "boom.py": ("accepted", REF + "\n# EXPLODE\n"),
               "half.py": ("partial", NO_SCALE)}
    folder = make_folder(tmp_path, entries)
    real = batches.judge

    def flaky(problem, sub, *args, **kwargs):
        if b"EXPLODE" in sub.files["solution.py"]:
            raise RuntimeError("the judge fell over")
        return real(problem, sub, *args, **kwargs)

    monkeypatch.setattr(batches, "judge", flaky)
    result = run(folder, tmp_path / "out", local_backend, judge_home, jobs=2)
    rows = {r.name: r for r in result.rows}
    assert rows["boom.py"].status == "failed" and "the judge fell over" in rows["boom.py"].error
    assert rows["good"].verdict == "accepted" and rows["half.py"].verdict == "partial"
    paths = index.write(result)
    assert "the judge fell over" in paths["index"].read_text()
    monkeypatch.setattr(batches, "judge", real)  # the failed one is judged on the rerun, the rest reused
    again = run(folder, tmp_path / "out", local_backend, judge_home, jobs=2)
    assert {r.name: r.status for r in again.rows} == {"good": "reused", "boom.py": "judged", "half.py": "reused"}


def test_the_seed_is_chosen_once_and_kept(tmp_path, toy):
    out = tmp_path / "out"
    seed, _ = batches.batch_seed(toy, out, None)
    assert batches.batch_seed(toy, out, None)[0] == seed
    assert batches.batch_seed(toy, out, 7)[0] == 7
    assert batches.batch_seed(toy, out, None)[0] == 7  # a given seed becomes the batch's seed
    state = json.loads((out / "batch.json").read_text())
    state["problem"] = "other"
    (out / "batch.json").write_text(json.dumps(state))
    with pytest.raises(UsageError, match="holds a batch of problem 'other'"):
        batches.batch_seed(toy, out, None)


def test_entries_and_bad_folders(tmp_path):
    folder = make_folder(tmp_path, {"a": ("accepted", REF), "b.py": ("accepted", REF)})
    (folder / "out").mkdir()
    found, skipped = batches.entries(folder, out=folder / "out")
    assert [n for n, _ in found] == ["a", "b.py"] and skipped == ["README.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="no submissions"):
        batches.entries(empty)
    with pytest.raises(UsageError, match="not a folder"):
        batches.entries(tmp_path / "missing")


def test_slugs_are_safe_and_unique():
    assert index.slugs(["a b", "a_b", "../x", "A_B"]) == {"a b": "a_b", "a_b": "a_b-2", "../x": "x", "A_B": "A_B-3"}
