"""The integrity pass (judge/integrity/): code that hides what it calls is flagged,
ordinary code is not, and a strict problem rejects flagged code.

Every attack below is a string analysed statically, never executed.
"""
import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from judge import problem as problems
from judge import report as reports
from judge import service, static
from judge.integrity import KINDS, scan, strict_message
from judge.intake import read_submission
from judge.pipeline import judge

from .conftest import FIXTURE_ROOT, REPO


def flags_of(code: str, name: str = "solution.py", **more: str) -> list[dict]:
    texts = {name: textwrap.dedent(code)}
    texts.update({k: textwrap.dedent(v) for k, v in more.items()})
    return scan(texts)


def kinds(code: str, **more) -> set[str]:
    return {f["kind"] for f in flags_of(code, **more)}


# ---- no false flags on what the repository accepts ----------------------------------------

def _solution_folders() -> list[Path]:
    folders = sorted(p for p in (REPO / "submissions").glob("*/accepted/*") if p.is_dir())
    folders += sorted(p for p in (REPO / "reference").iterdir() if p.is_dir())
    folders += sorted(p / "starter" for p in (REPO / "problems").iterdir() if (p / "starter").is_dir())
    return folders


def test_no_flag_on_any_accepted_sample_reference_or_starter():
    """Fails when a new accepted sample (or a reference, or a starter) is flagged."""
    scanned, found = 0, []
    for folder in _solution_folders():
        texts = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
                 for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts}
        scanned += len(texts)
        found += [f"{folder.relative_to(REPO)}/{f['file']}:{f['line']} {f['kind']}: {f['message']}"
                  for f in scan(texts)]
    assert scanned >= 30, f"only {scanned} files found: is the repository layout different?"
    assert found == [], "\n".join(found)


# ---- ordinary code, in several styles, is not flagged -------------------------------------

CLEAN = {
    "own-attributes-by-name": """
        import numpy as np

        class TwoLayer:
            def __init__(self, sizes):
                for i, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1):
                    setattr(self, f"W{i}", np.zeros((a, b)))
                    setattr(self, f"b{i}", np.zeros(b))

            def forward(self, x):
                for i in (1, 2):
                    x = x @ getattr(self, f"W{i}") + getattr(self, "b" + str(i))
                    if hasattr(self, f"act{i}"):
                        x = getattr(self, f"act{i}")(x)
                return x
    """,
    "layer-registry-dict": """
        import numpy as np

        ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}
        LAYERS = {}

        def register(name):
            def deco(cls):
                LAYERS[name] = cls
                return cls
            return deco

        @register("dense")
        class Dense:
            def __init__(self, w, act="relu"):
                self.w, self.act = w, ACTIVATIONS.get(act, ACTIVATIONS["relu"])

            def __call__(self, x):
                return self.act(x @ self.w)

        def build(spec):
            return [LAYERS[kind](*args) for kind, args in spec]
    """,
    "torch-module-eval-and-constant-getattr": """
        import math
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.proj = nn.Linear(d, d)
                self.norm = nn.LayerNorm(d)

            def forward(self, x):
                w = getattr(self.proj, "weight")
                return self.norm(F.gelu(x @ w.T / math.sqrt(x.shape[-1])))

        def run(model, x):
            model.eval()
            with torch.no_grad():
                return model(x)

        fast = torch.compile  # a public API: dynamo traces the same operators
        torch.backends.cudnn.deterministic = True
    """,
    "keras-compile-and-config": """
        import os
        import tensorflow as tf
        from tensorflow import keras

        def train(model, x, y, cfg):
            model.compile(optimizer=keras.optimizers.Adam(cfg.get("lr", 1e-3)), loss="mse")
            for layer in model.layers:
                layer.trainable = getattr(layer, "name", "").startswith("head")
            level = os.environ.get("VERBOSE", "0")
            return model.fit(x, y, epochs=cfg.get("epochs", 1), verbose=int(level))
    """,
    "own-module-by-name": """
        import sys
        import solution
        import helpers

        def pick(name):
            return getattr(helpers, name)

        def me(name):
            return getattr(sys.modules[__name__], name)

        def again(name):
            return getattr(solution, name)
    """,
    "dataclass-and-nested-getattr-on-own-objects": """
        from dataclasses import dataclass, field
        import numpy as np

        @dataclass
        class Params:
            W1: np.ndarray = field(default_factory=lambda: np.zeros(3))
            b1: np.ndarray = field(default_factory=lambda: np.zeros(3))

            def grads(self, names):
                return {n: np.zeros_like(getattr(self, n)) for n in names}

            def __setattr__(self, name, value):
                object.__setattr__(self, name, np.asarray(value))

        def walk(obj, path):
            for part in path.split("."):
                obj = getattr(obj, part)
            return obj

        def evaluate(model, x):
            model.eval()
            return eval_fn(x)

        def eval_fn(x):
            return np.asarray(x).sum()
    """,
    "own-shadowing-names": """
        def compile(graph):
            return list(graph)

        def run(graph):
            eval = lambda g: len(g)
            return eval(compile(graph))
    """,
    "signal-constants-and-gc-collect": """
        import gc
        import signal
        import numpy as np

        TERM = signal.SIGTERM

        def step(x):
            gc.collect()
            return np.exp(x - x.max())
    """,
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_ordinary_code_is_not_flagged(name):
    more = {"helpers.py": "X = 1\n"} if name == "own-module-by-name" else {}
    assert flags_of(CLEAN[name], **more) == []


# ---- code that hides what it calls is flagged ---------------------------------------------

ISSUE_IMPORT = '''
    import importlib
    import numpy as np

    _t = importlib.import_module("to" + "rch")

    def loss_and_grads(params, X, y, reg=0.0):
        t = {k: _t.tensor(v, requires_grad=True) for k, v in params.items()}
        loss = (_t.as_tensor(X) @ t["W1"]).sum()
        loss.backward()
        return loss.item(), {k: v.grad.numpy() for k, v in t.items()}
'''
ISSUE_GETATTR = '''
    import torch.nn.functional as F

    def attend(q, k, v):
        return getattr(F, "scaled_dot_" + "product_attention")(q, k, v)
'''

ATTACKS = {
    # (code, the kind it must raise)
    "issue-computed-import-torch": (ISSUE_IMPORT, "computed-import"),
    "issue-getattr-fused-attention": (ISSUE_GETATTR, "computed-attribute"),
    "dunder-import-unfoldable": ("m = __import__(''.join(reversed('hcrot')))\n", "computed-import"),
    "import-module-passed-around": ("from importlib import import_module as im\nf = im\nt = f(NAME)\n",
                                    "computed-import"),
    "load-from-path": ("import importlib.util as u\ns = u.spec_from_file_location('m', '/tmp/m.py')\n",
                       "computed-import"),
    "getattr-via-local-alias": ("import torch.nn.functional as F\nm = F\nop = getattr(m, NAME)\n",
                                "computed-attribute"),
    "getattr-on-dynamic-module": ("import sys\nop = getattr(sys.modules['torch'], 'sdpa'[::-1])\n",
                                  "computed-attribute"),
    "getattribute-dunder": ("import numpy as np\nf = object.__getattribute__(np, NAME)\n", "computed-attribute"),
    "getattr-passed-around": ("import functools, numpy\nf = functools.partial(getattr, numpy)\n",
                              "computed-attribute"),
    "exec-string": ("exec('import to' + 'rch')\n", "exec"),
    "eval-aliased": ("e = eval\nx = e(SRC)\n", "exec"),
    "compile-builtin": ("code = compile(SRC, 'x', 'exec')\n", "exec"),
    "builtins-exec": ("import builtins\nbuiltins.exec(SRC)\n", "exec"),
    "marshal-loads": ("import marshal\nf = marshal.loads(BLOB)\n", "code-from-data"),
    "pickle-loads": ("import pickle\nf = pickle.loads(BLOB)\n", "code-from-data"),
    "function-type": ("import types\nf = types.FunctionType(CODE, {})\n", "code-from-data"),
    "code-replace": ("def f():\n    pass\nc = f.__code__.replace(co_consts=(1,))\n", "code-from-data"),
    "numpy-allow-pickle": ("import numpy as np\nd = np.load('x.npy', allow_pickle=True)\n", "code-from-data"),
    "subclasses-walk": ("for c in ().__class__.__base__.__subclasses__():\n    pass\n", "reflection"),
    "func-globals": ("import numpy as np\ng = np.mean.__globals__\n", "reflection"),
    "builtins-name": ("b = __builtins__\n", "reflection"),
    "sys-modules-read": ("import sys\nt = sys.modules.get('torch')\n", "reflection"),
    "vars-of-module": ("import torch.nn.functional as F\nd = vars(F)\n", "reflection"),
    "globals-by-computed-name": ("import numpy as np\nf = globals()['n' + 'p']\n", "reflection"),
    "ctypes": ("import ctypes\nctypes.CDLL(None)\n", "native-code"),
    "cffi": ("from cffi import FFI\n", "native-code"),
    "getframe": ("import sys\nf = sys._getframe(1)\n", "introspection"),
    "inspect-stack": ("import inspect\ns = inspect.stack()\n", "introspection"),
    "f-back": ("def g(frame):\n    return frame.f_back.f_globals\n", "introspection"),
    "tb-frame": ("try:\n    1 / 0\nexcept Exception as e:\n    fr = e.__traceback__.tb_frame\n", "introspection"),
    "gc-get-objects": ("import gc\nobjs = gc.get_objects()\n", "introspection"),
    "gc-referrers": ("import gc\nr = gc.get_referrers(X)\n", "introspection"),
    "torch-ops": ("import torch\nop = torch.ops.aten._scaled_dot_product_attention_math\n", "private-api"),
    "torch-C": ("import torch\nf = torch._C._nn.gelu\n", "private-api"),
    "np-core": ("import numpy as np\nu = np._core.umath\n", "private-api"),
    "private-sdpa": ("import torch.nn.functional as F\ny = F._scaled_dot_product_attention\n", "private-api"),
    "from-private-import": ("from torch._C import _nn\n", "private-api"),
    "private-by-constant-getattr": ("import torch\nC = getattr(torch, '_C')\n", "private-api"),
    "patch-allclose": ("import numpy as np\nnp.allclose = lambda *a, **k: True\n", "patching"),
    "patch-tensor-eq": ("import torch\ntorch.Tensor.__eq__ = lambda a, b: True\n", "patching"),
    "patch-testing-by-setattr": ("import numpy.testing as nt\nfor n in dir(nt):\n    setattr(nt, n, None)\n",
                                 "patching"),
    "patch-pytest-approx": ("import pytest\npytest.approx = lambda *a, **k: 0\n", "patching"),
    "patch-harness": ("import mljudge_harness.plugin as h\nh.check = None\n", "patching"),
    "patch-builtins-dict": ("__builtins__['open'] = None\n", "patching"),
    "patch-builtins-setattr": ("import builtins\nsetattr(builtins, 'len', lambda x: 0)\n", "patching"),
    "write-sys-modules": ("import sys, types\nsys.modules['torch'] = types.SimpleNamespace()\n", "patching"),
    "patch-via-local-alias": ("import torch\nT = torch.Tensor\nT.allclose = None\n", "patching"),
    "monkeypatch-class": ("import pytest\nmp = pytest.MonkeyPatch()\n", "test-tools"),
    "unittest-mock": ("from unittest import mock\n", "test-tools"),
    "pytest-internals": ("import _pytest.assertion.rewrite as rw\n", "test-tools"),
    "environ-write": ("import os\nos.environ['OMP_NUM_THREADS'] = '64'\n", "environ"),
    "environ-update": ("import os\nos.environ.update(A='1')\n", "environ"),
    "signal-handler": ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n", "signal"),
    "signal-alarm-from-import": ("from signal import alarm\nalarm(0)\n", "signal"),
    "settrace": ("import sys\nsys.settrace(None)\n", "tracing"),
    "threading-setprofile": ("import threading\nthreading.setprofile(print)\n", "tracing"),
    "audit-hook": ("import sys\nsys.addaudithook(print)\n", "tracing"),
    "sys-path-insert": ("import sys\nsys.path.insert(0, '/tmp')\n", "import-hook"),
    "meta-path": ("import sys\nsys.meta_path.append(FINDER)\n", "import-hook"),
    "nested-too-deep": ("x = " + " + ".join(["'a'"] * 900) + "\n", "unreadable"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hidden_calls_are_flagged(name):
    code, kind = ATTACKS[name]
    found = flags_of(code)
    assert kind in {f["kind"] for f in found}, found
    for f in found:
        assert f["file"] == "solution.py" and f["line"] >= 1 and f["kind"] in KINDS and f["message"]


def test_every_kind_has_an_attack_case():
    assert {kind for _, kind in ATTACKS.values()} == set(KINDS)


def test_a_flag_names_file_line_and_the_code():
    [f] = [f for f in flags_of(ISSUE_GETATTR) if f["kind"] == "computed-attribute"]
    assert (f["file"], f["line"]) == ("solution.py", 5)
    assert "scaled_dot_" in f["text"] and "torch.nn.functional" in f["message"]
    assert "'scaled_dot_product_attention'" in f["message"]  # the folded name, for the reader


def test_flags_follow_the_file_they_are_in():
    found = scan({"solution.py": "import helpers\n", "helpers.py": "import ctypes\n"})
    assert [(f["file"], f["line"], f["kind"]) for f in found] == [("helpers.py", 1, "native-code")]


def test_long_literal_concatenations_fold_without_recursion():
    from judge.integrity import fold

    tree = static.parse("x = " + " + ".join(["'ab'"] * 90))
    assert fold(tree.body[0].value) == "ab" * 90


def test_code_too_deep_for_the_forbidden_check_is_rejected_not_crashed():
    src = "x = " + " + ".join(["'a'"] * 900) + "\n"
    assert static.syntax_error({"solution.py": src}) is None  # Python compiles it
    assert static.forbidden_uses({"solution.py": src}, ["torch"], []) == [
        "solution.py: nested too deeply for the static checks"]


def test_a_file_that_does_not_parse_gives_no_flags_and_no_error():
    assert scan({"solution.py": "def f(:\n"}) == []


# ---- the forbidden check folds names built from literals ----------------------------------

def test_forbidden_check_folds_literal_concatenations():
    found = static.forbidden_uses({"solution.py": textwrap.dedent(ISSUE_IMPORT)}, ["torch"], [])
    assert found and "imports torch" in found[0]
    found = static.forbidden_uses({"solution.py": textwrap.dedent(ISSUE_GETATTR)}, [],
                                  ["torch.nn.functional.scaled_dot_product_attention"])
    assert found and "scaled_dot_product_attention" in found[0]
    star = "from torch.nn.functional import *\nf = globals()['scaled_dot_product_attention']\n"
    assert static.forbidden_uses({"solution.py": star}, [], ["torch.nn.functional.scaled_dot_product_attention"])
    star = "from torch.nn.functional import *\ny = scaled_dot_product_attention(q, k, v)\n"
    assert static.forbidden_uses({"solution.py": star}, [], ["torch.nn.functional.scaled_dot_product_attention"])
    assert static.forbidden_uses({"solution.py": "import numpy as np\nf = getattr(np, 'mean')\n"},
                                 ["torch"], ["torch.nn.functional.scaled_dot_product_attention"]) == []


# ---- problems: strict ----------------------------------------------------------------------

def test_strict_is_off_by_default_and_on_where_no_solution_needs_it():
    assert problems.load("toy", FIXTURE_ROOT).strict is False
    strict = {pid for pid in problems.list_ids(REPO) if problems.load(pid, REPO).strict}
    assert {"numpy-backprop", "gradient-descent", "quantization"} <= strict


def test_strict_message_names_the_first_flag_and_the_count():
    found = flags_of("import ctypes\nimport sys\nsys.settrace(None)\n")
    msg = strict_message(found)
    assert "solution.py:1: native-code" in msg and "(and 1 more flag)" in msg
    assert "more" not in strict_message(found[:1])


def _judge(prob, path, backend, seed=7):
    return judge(prob, read_submission(prob, path), seed, backend)


def test_the_issue_attacks_are_invalid_on_their_problems(local_backend):
    """Both rejected before any run (the static checks), so no framework runs here."""
    for pid, sample in [("numpy-backprop", "computed-import-torch"), ("transformer", "getattr-fused-attention")]:
        prob = problems.load(pid, REPO)
        doc = _judge(prob, REPO / "submissions" / pid / "invalid_submission" / sample, local_backend)
        assert doc["verdict"] == "invalid_submission", doc["message"]
        assert doc["run"] is None and doc["integrity"], doc
    prob = problems.load("numpy-backprop", REPO)
    assert "imports torch" in _judge(prob, REPO / "submissions" / "numpy-backprop" / "invalid_submission" /
                                     "computed-import-torch", local_backend)["message"]


def test_a_strict_problem_rejects_a_name_the_static_check_cannot_fold(tmp_path, local_backend):
    d = tmp_path / "unfoldable"
    d.mkdir()
    (d / "solution.py").write_text("import importlib\n_t = importlib.import_module(''.join(reversed('hcrot')))\n"
                                   "def softmax(s):\n    return s\n\ndef loss_and_grads(p, X, y, reg=0.0):\n"
                                   "    return 0.0, p\n")
    prob = problems.load("numpy-backprop", REPO)
    doc = _judge(prob, d, local_backend)
    assert doc["verdict"] == "invalid_submission"
    assert "solution.py:2: computed-import" in doc["message"] and doc["run"] is None


FLAGGED_TOY = ("import numpy as np\n\n\ndef scale(x, a):\n    return a * np.asarray(x, dtype=float)\n\n\n"
               "def total(x):\n    return float(getattr(np, 's' + 'um')(x))\n")


@pytest.fixture
def flagged_toy(tmp_path):
    d = tmp_path / "flagged"
    d.mkdir()
    (d / "solution.py").write_text(FLAGGED_TOY)
    return d


def test_a_lenient_problem_judges_flagged_code_and_records_the_flags(fixture_root, flagged_toy, local_backend):
    doc = service.submit("toy", flagged_toy, backend=local_backend, seed=7)
    assert (doc["verdict"], doc["score"]) == ("accepted", 100.0)
    assert [(f["file"], f["line"], f["kind"]) for f in doc["integrity"]] == [("solution.py", 9, "computed-attribute")]
    assert doc["schema"] == "judge.result/1"


def test_strict_on_the_same_problem_rejects_it(fixture_root, flagged_toy, local_backend):
    prob = problems.load("toy", fixture_root).model_copy(update={"strict": True})
    prob.root = fixture_root
    doc = _judge(prob, flagged_toy, local_backend)
    assert doc["verdict"] == "invalid_submission"
    assert doc["message"].endswith("solution.py:9: computed-attribute: looks up numpy.<computed> (= 'sum'): "
                                   "the name is hidden")


def test_clean_code_gets_an_empty_integrity_list(fixture_root, local_backend):
    doc = service.submit("toy", fixture_root / "reference" / "toy", backend=local_backend, seed=7)
    assert doc["verdict"] == "accepted" and doc["integrity"] == []


# ---- reports: the interviewer sees the flags with file:line, the candidate does not --------

# how each format introduces the flags (the worktree's own path may hold the word "integrity")
MARKERS = ("Integrity:", "## Integrity", 'id="integrity"', '"integrity": [\n', "integrity.1", "Integrity: ")


def test_interviewer_reports_show_the_flags_candidate_reports_do_not(fixture_root, flagged_toy, local_backend):
    doc = service.submit("toy", flagged_toy, backend=local_backend, seed=7)
    where = "solution.py:9"
    for fmt in reports.FORMATS:
        text = reports.render(doc, fmt, "interviewer")
        assert where in text and "computed-attribute" in text, fmt
        assert any(m in text for m in MARKERS), fmt
        cand = reports.render(doc, fmt, "candidate")
        assert where not in cand and "computed-attribute" not in cand, fmt
        assert not any(m in cand for m in MARKERS), fmt
    assert json.loads(reports.render(doc, "json", "interviewer"))["integrity"][0]["line"] == 9
    props = {p.get("name"): p.get("value") for p in
             ET.fromstring(reports.render(doc, "junit", "interviewer").split("\n", 1)[1]).iter("property")}
    assert props["integrity"] == "1 flag(s)" and props["integrity.1"].startswith(where)
    grade = json.loads(reports.render(doc, "gradescope", "interviewer"))
    assert where in grade["output"] and grade["extra_data"]["integrity"][0].startswith(where)
    assert 'id="integrity"' in reports.render(doc, "html", "interviewer")


def test_reports_of_results_judged_before_flags_existed_still_render(fixture_root, local_backend):
    doc = service.submit("toy", fixture_root / "reference" / "toy", backend=local_backend, seed=7)
    doc.pop("integrity")
    for fmt in reports.FORMATS:
        assert not any(m in reports.render(doc, fmt, "interviewer") for m in MARKERS), fmt


def test_a_batch_lists_the_flags_per_submission(fixture_root, flagged_toy, tmp_path, local_backend):
    import csv

    from judge import batch as batches
    from judge.report import index

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "flagged.py").write_text(FLAGGED_TOY)
    (folder / "plain.py").write_text((fixture_root / "reference" / "toy" / "solution.py").read_text())
    result = batches.run("toy", folder, out=tmp_path / "out", jobs=2, backend=local_backend, seed=7)
    index.write(result)
    with (tmp_path / "out" / "results.csv").open(newline="") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert rows["flagged.py"]["integrity"] == "1: solution.py:9 computed-attribute"
    assert rows["plain.py"]["integrity"] == ""
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    by_name = {r["name"]: r for r in summary["rows"]}
    assert by_name["flagged.py"]["integrity"][0].startswith("solution.py:9 computed-attribute")
    assert "solution.py:9 computed-attribute" in (tmp_path / "out" / "index.html").read_text()
    assert {r.verdict for r in result.rows} == {"accepted"}


def test_too_deep_does_not_depend_on_the_recursion_limit():
    """A framework import can raise the interpreter's recursion limit (CI runs TF tests first):
    the verdict on deep code must be the same either way."""
    import sys

    src = "x = " + " + ".join(["'a'"] * 900) + "\n"
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(100_000)
        assert static.forbidden_uses({"solution.py": src}, ["torch"], []) == [
            "solution.py: nested too deeply for the static checks"]
        assert "unreadable" in {f["kind"] for f in scan({"solution.py": src})}
    finally:
        sys.setrecursionlimit(old)
