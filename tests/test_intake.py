import os

import pytest

from judge.errors import UsageError
from judge.intake import read_submission
from judge.static import forbidden_uses, syntax_error


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_folder_with_the_named_file(toy, tmp_path):
    sub = read_submission(toy, _write(tmp_path / "s", "solution.py", "x = 1\n"))
    assert sub.invalid == [] and list(sub.files) == ["solution.py"]


def test_single_file_maps_to_the_problem_file(toy, tmp_path):
    f = tmp_path / "mine.py"
    f.write_text("x = 1\n")
    sub = read_submission(toy, f)
    assert list(sub.files) == ["solution.py"] and sub.invalid == []


def test_missing_path_is_a_usage_error(toy, tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        read_submission(toy, tmp_path / "nope")


def test_empty_folder_names_the_missing_file(toy, tmp_path):
    (tmp_path / "empty").mkdir()
    sub = read_submission(toy, tmp_path / "empty")
    assert sub.invalid == ["missing solution.py (the problem expects: solution.py)"]


def test_binary_and_non_utf8_files(toy, tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "solution.py").write_bytes(b"\x7fELF\x00\x01\x02")
    assert "NUL" in read_submission(toy, d).invalid[0]
    (d / "solution.py").write_bytes("x = 'é'\n".encode("latin-1"))
    assert "not UTF-8" in read_submission(toy, d).invalid[0]


def test_large_file_is_kept_but_invalid(toy, tmp_path):
    d = tmp_path / "big"
    d.mkdir()
    (d / "solution.py").write_bytes(b"#" * (50 << 20))
    sub = read_submission(toy, d)
    assert "50.0 MB; the limit is 256.0 KB" in sub.invalid[0]
    assert len(sub.files["solution.py"]) == 50 << 20  # nothing the user gave is lost


def test_links_and_odd_names(toy, tmp_path):
    d = _write(tmp_path / "l", "solution.py", "x = 1\n")
    os.symlink("/etc/passwd", d / "secret.py")
    (d / "we ird;name.py").write_text("")
    sub = read_submission(toy, d)
    assert any("symbolic link" in m for m in sub.invalid)
    assert any("not allowed" in m for m in sub.invalid)


def test_extra_files_are_listed_as_ignored(toy, tmp_path):
    d = _write(tmp_path / "e", "solution.py", "x = 1\n")
    (d / "notes.txt").write_text("hi")
    (d / "__pycache__").mkdir()
    (d / "__pycache__" / "x.pyc").write_bytes(b"\0")
    sub = read_submission(toy, d)
    assert sub.ignored == ["notes.txt"] and sub.invalid == []


def test_syntax_error_gives_file_and_line():
    assert syntax_error({"solution.py": "def f(:\n  pass\n"}).startswith("solution.py:1:")
    assert syntax_error({"solution.py": "x = 1\n"}) is None


@pytest.mark.parametrize("code", [
    "import torch",
    "import torch.nn as nn",
    "from torch import nn",
    "import os, torch",
    "def f():\n    import torch\n",
    "__import__('torch')",
    "import importlib\nimportlib.import_module('torch.nn')",
])
def test_forbidden_imports_are_found(code):
    assert forbidden_uses({"solution.py": code}, ["torch"], [])


def test_allowed_imports_pass():
    assert forbidden_uses({"solution.py": "import numpy as np\nimport torchvision_like\n"}, ["torch"], []) == []


@pytest.mark.parametrize("code", [
    "import torch\nm = torch.nn.MultiheadAttention(4, 2)",
    "import torch.nn as nn\nm = nn.MultiheadAttention(4, 2)",
    "from torch.nn import MultiheadAttention as M\nm = M(4, 2)",
    "from torch import nn\nclass A(nn.MultiheadAttention): pass",
    "import torch.nn.functional as F\ny = F.scaled_dot_product_attention(q, k, v)",
])
def test_forbidden_calls_resolve_aliases(code):
    calls = ["torch.nn.MultiheadAttention", "torch.nn.functional.scaled_dot_product_attention"]
    assert forbidden_uses({"solution.py": code}, [], calls)


def test_similar_names_are_not_forbidden_calls():
    code = "import torch\nclass MultiheadAttention(torch.nn.Module): pass\nm = MultiheadAttention()"
    assert forbidden_uses({"solution.py": code}, [], ["torch.nn.MultiheadAttention"]) == []


def test_static_checks_are_safe_from_many_threads():
    """CPython 3.11's AST constructor is not thread-safe (gh-106905); verify and batch judge in threads."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    src = Path(__file__).read_text() * 3

    def work(_):
        for _ in range(20):
            assert syntax_error({"a.py": src}) is None
            forbidden_uses({"a.py": src}, ["torch"], ["torch.nn.MultiheadAttention"])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(8)))


def test_a_parse_hit_by_the_ast_race_is_tried_again(monkeypatch):
    import ast

    from judge import static

    real, calls = ast.parse, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=30, after=41)")
        return real(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", flaky)
    assert forbidden_uses({"a.py": "import torch\n"}, ["torch"], []) == ["a.py:1: imports torch (forbidden: torch)"]
    assert len(calls) == 2

    monkeypatch.setattr(ast, "parse", lambda *a, **k: (_ for _ in ()).throw(SystemError("other")))
    with pytest.raises(SystemError, match="other"):
        static.parse("x = 1")
