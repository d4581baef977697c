import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE_ROOT = Path(__file__).resolve().parent / "fixtures" / "repo"


@pytest.fixture(autouse=True)
def judge_home(tmp_path, monkeypatch):
    """Every test gets its own JUDGE_HOME (database, caches)."""
    home = tmp_path / "judge-home"
    monkeypatch.setenv("JUDGE_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no login of the developer's leaks in
    return home


@pytest.fixture(autouse=True)
def cold_sandboxes(monkeypatch):
    """The CLI judges in warm sandboxes by default (judge/sandbox/warm/); tests run cold so no
    idle container outlives them, except where a test asks for warm ones (test_warm, test_problems)."""
    monkeypatch.delenv("MLJUDGE_WARM", raising=False)
    monkeypatch.setenv("MLJUDGE_COLD", "1")


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """The judge takes its language from the locale (LC_ALL > LC_MESSAGES > LANG): tests
    run in English, whatever the machine's locale, unless they set another."""
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def fixture_root(monkeypatch):
    monkeypatch.setenv("JUDGE_ROOT", str(FIXTURE_ROOT))
    return FIXTURE_ROOT


@pytest.fixture
def toy(fixture_root):
    from judge import problem

    return problem.load("toy", fixture_root)


@pytest.fixture(scope="session")
def local_backend():
    from judge.sandbox.local import LocalBackend

    return LocalBackend()


@pytest.fixture
def sample(fixture_root):
    def get(verdict, name):
        return fixture_root / "submissions" / "toy" / verdict / name

    return get


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
