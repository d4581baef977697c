"""`judge mutants`: generation, the mutants.yaml catalogue, judged runs, cache and lock.

Judged tests use a copy of the fixture repository whose toy reference has one
mutant the suite cannot see (``np.array`` → ``np.asarray`` on a value nobody
mutates) and one it kills (``*`` → ``/``).
"""
import os
import shutil
import subprocess
import sys

import pytest

from judge import problem as problems
from judge.errors import UsageError
from judge.mutants import catalogue, lock
from judge.mutants.generate import TOOL_VERSION, generate_file
from judge.mutants.run import MutationReport, Outcome, all_mutants, run

SOURCE = '''\
import numpy as np
EPS = 1e-8


def softmax(s, eps=1e-6):
    """Row-wise softmax."""
    z = s - s.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / (e.sum(1, keepdims=True) + 1e-12)


class Net:
    def forward(self, x, w):
        if self.training and x.shape[0] > 1:
            x = x.clone()
        x.add_(1.0)
        y = np.dot(x, w)
        y = y + x.mean(dim=0)
        y *= 2
        return layer(y, training=self.training)

    def fit(self, model):
        model.train()
        return [v.copy() for v in model.values() if v is not None]
'''

TOY_REFERENCE = '''\
import numpy as np


def scale(x, a):
    return a * np.asarray(x, dtype=float)


def total(x):
    x = np.array(x, dtype=float)
    return float(np.sum(x))
'''


def test_generation_is_deterministic_and_covers_every_operator():
    first = generate_file("solution.py", SOURCE)
    second = generate_file("solution.py", SOURCE)
    assert [(m.id, m.source) for m in first] == [(m.id, m.source) for m in second]
    assert len({m.id for m in first}) == len(first)
    ops = {m.operator for m in first}
    assert ops >= {"arith", "drop-term", "swap-args", "compare", "boolean", "negate-cond", "axis", "copy",
                   "inplace", "training", "constant", "drop-stmt"}, ops
    pairs = {(m.line, m.mutated) for m in first}
    assert ("return e / (e.sum(1, keepdims=True) + 1e-12)", "return e / (e.sum(1, keepdims=True) + 0.0)") in pairs
    assert ("z = s - s.max(axis=-1, keepdims=True)", "z = s - s.max(axis=0, keepdims=True)") in pairs
    assert ("z = s - s.max(axis=-1, keepdims=True)", "z = s - s.max(keepdims=True)") in pairs
    assert ("return e / (e.sum(1, keepdims=True) + 1e-12)", "return e / (e.sum(0, keepdims=True) + 1e-12)") in pairs
    assert ("x = x.clone()", "x = x") in pairs
    assert ("x.add_(1.0)", "x.add(1.0)") in pairs
    assert ("y = y + x.mean(dim=0)", "y += x.mean(dim=0)") in pairs
    assert ("return layer(y, training=self.training)", "return layer(y, training=(not self.training))") in pairs
    assert ("model.train()", "model.eval()") in pairs
    assert ("y = np.dot(x, w)", "y = np.dot(w, x)") in pairs
    # only function bodies: module constants, default arguments and docstrings stay as they are
    assert not any("EPS" in m.line or "eps=1e-6" in m.line or "softmax" in m.line for m in first)
    for m in first:
        compile(m.source, "solution.py", "exec")
        assert m.diff().startswith("--- a/solution.py")


def test_mutant_ids_survive_unrelated_edits():
    before = {m.id: m.mutated for m in generate_file("solution.py", SOURCE)}
    edited = SOURCE.replace("import numpy as np\n", "import numpy as np\n\n\ndef helper(q):\n    return q + 1\n")
    after = {m.id: m.mutated for m in generate_file("solution.py", edited)}
    assert before.items() <= after.items()
    assert len(after) > len(before)


@pytest.fixture
def mut_root(fixture_root, tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(fixture_root, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "reference" / "toy" / "solution.py").write_text(TOY_REFERENCE)
    monkeypatch.setenv("JUDGE_ROOT", str(root))
    return root


def _write_catalogue(root, text):
    (root / "problems" / "toy" / "mutants.yaml").write_text(text)
    return problems.load("toy", root)


COPY_LINE = "x = np.array(x, dtype=float)"
EQUIVALENT = f'''
equivalent:
  - file: solution.py
    line: "{COPY_LINE}"
    mutant: "x = np.asarray(x, dtype=float)"
    reason: nobody mutates x after the conversion
'''


def test_killed_survivor_and_equivalent(mut_root, local_backend):
    p = _write_catalogue(mut_root, "mistakes: []\n")
    ms = all_mutants(p)
    assert {m.mutated for m in ms} == {"return a / np.asarray(x, dtype=float)", "x = np.asarray(x, dtype=float)"}
    rep = run(p, local_backend, jobs=2, emit=None)
    status = {o.mutant.mutated: o.status for o in rep.outcomes}
    assert status == {"return a / np.asarray(x, dtype=float)": "killed", "x = np.asarray(x, dtype=float)": "survived"}
    killed = next(o for o in rep.outcomes if o.status == "killed")
    assert killed.reason.startswith("variant 0:") and killed.judged == 1  # stops at the first killing variant
    survivor = rep.survivors[0]
    assert survivor.judged == 2  # every variant judged before it is called a survivor
    assert f"-    {COPY_LINE}\n+    x = np.asarray(x, dtype=float)" in survivor.mutant.diff()
    assert rep.score == 50.0

    # declared equivalent: out of the denominator, with its reason, and not judged
    p = _write_catalogue(mut_root, "mistakes: []\n" + EQUIVALENT)
    rep = run(p, local_backend, emit=None)
    assert (rep.count("killed"), rep.count("equivalent"), rep.count("survived"), rep.score) == (1, 1, 0, 100.0)
    eq = next(o for o in rep.outcomes if o.status == "equivalent")
    assert eq.reason == "nobody mutates x after the conversion" and eq.judged == 0
    assert sum(o.judged for o in rep.outcomes) == 0  # the killed one came from the cache


def test_catalogue_mistakes_are_judged_and_cached(mut_root, local_backend):
    p = _write_catalogue(mut_root, '''
mistakes:
  - name: scale-adds
    file: solution.py
    find: "a * np.asarray"
    replace: "a + np.asarray"
    why: adds instead of multiplying
  - name: sum-as-int
    file: solution.py
    find: "float(np.sum(x))"
    replace: "float(np.sum(x.astype(int)))"
''' + EQUIVALENT)
    rep = run(p, local_backend, jobs=2, variants=[0], emit=None)
    by_id = {o.mutant.id: o for o in rep.outcomes}
    assert by_id["solution.py:mistake:scale-adds"].status == "killed"
    assert by_id["solution.py:mistake:sum-as-int"].status == "killed"
    assert sum(o.judged for o in rep.outcomes) == 3
    again = run(p, local_backend, jobs=2, variants=[0], emit=None)
    assert sum(o.judged for o in again.outcomes) == 0  # the cache answers: nothing judged again
    assert [(o.mutant.id, o.status) for o in again.outcomes] == [(o.mutant.id, o.status) for o in rep.outcomes]


@pytest.mark.parametrize("find, count", [("np.asarray(x, dtype=float)", 0), ("dtype=float", 2)])
def test_a_bad_find_is_a_one_line_error(mut_root, judge_home, find, count):
    text = f"mistakes:\n  - name: bad\n    file: solution.py\n    find: \"{find}\"\n    replace: \"x\"\n"
    if count == 0:
        text = text.replace("np.asarray(x, dtype=float)", "np.asarray(y)")
    p = _write_catalogue(mut_root, text)
    with pytest.raises(UsageError, match=f"mistake bad: 'find' occurs {count} times"):
        all_mutants(p)
    proc = subprocess.run([sys.executable, "-m", "judge.cli", "mutants", "toy"], capture_output=True, text=True,
                          env={**os.environ, "JUDGE_ROOT": str(mut_root), "JUDGE_HOME": str(judge_home)}, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "'find' occurs" in proc.stderr and "Traceback" not in proc.stderr


def test_a_stale_equivalent_entry_is_a_warning(mut_root, judge_home):
    _write_catalogue(mut_root, EQUIVALENT.replace("dtype=float)\"\n    reason", "dtype=int)\"\n    reason"))
    proc = subprocess.run([sys.executable, "-m", "judge.cli", "mutants", "toy", "--list"], capture_output=True,
                          text=True, env={**os.environ, "JUDGE_ROOT": str(mut_root), "JUDGE_HOME": str(judge_home)},
                          timeout=120)
    assert proc.returncode == 0
    assert "solution.py:arith:" in proc.stdout and "return a / np.asarray(x, dtype=float)" in proc.stdout
    assert "warning: mutants.yaml: equivalent entry matches no generated mutant (stale)" in proc.stdout


def test_lock_records_and_checks_the_score(mut_root):
    p = _write_catalogue(mut_root, "mistakes: []\n")
    assert lock.check(p)[0][0] == "warning" and lock.check(p, strict_missing=True)[0][0] == "error"
    m = all_mutants(p)
    rep = MutationReport("toy", [0, 1], [Outcome(m[0], "killed", "variant 0"), Outcome(m[1], "survived")])
    path = lock.write(p, rep)
    text = path.read_text()
    assert f"tool: {TOOL_VERSION}" in text and "score: 50.0" in text and "survived: 1" in text
    (level, msg), = lock.check(p)
    assert level == "error" and "mutation score 50%" in msg
    lock.write(p, MutationReport("toy", [0, 1], [Outcome(m[0], "killed"), Outcome(m[1], "equivalent", "why")]))
    assert [lv for lv, _ in lock.check(p)] == ["ok"]
    (p.hidden_dir / "test_hidden.py").write_text((p.hidden_dir / "test_hidden.py").read_text() + "\n# edited\n")
    (level, msg), = lock.check(p)
    assert level == "error" and "stale" in msg
