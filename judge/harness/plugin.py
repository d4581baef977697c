"""pytest plugin that runs inside the sandbox.

Fixtures for hidden and public tests:

- ``seed``: the run's seed (int).
- ``rng``: ``numpy.random.Generator`` seeded from (seed, test id): every test
  gets its own stream, independent of test order and selection.
- ``check(name, value, rtol=1e-5, atol=1e-8, exact=False)``: record a value the
  judge compares (outside the sandbox) with the reference run's value.
- ``solution``: the submitted module, imported once.
- ``torch_seed``: seeds torch's global generator from ``seed`` (only if used).

Marker ``@pytest.mark.weight(n)``: the points a test is worth (default 1).

Output (in ``--judge-out``), written as the run goes so a killed run keeps
what finished: ``collected.json``, ``outcomes.jsonl`` (one line a test),
``records/<n>.npz`` (one file a test, never pickled), ``session.json``.
"""
from __future__ import annotations

import builtins
import importlib
import json
import os
import sys
import time
import zlib

import numpy as np
import pytest

from . import oprecord
from . import records as rec

HARNESS_VERSION = "1"
MESSAGE_CAP = 600
DETAILS_CAP = 6000

# Taken before any submitted code runs, so a submission that replaces them
# does not change how the harness writes its files.
_open = builtins.open
_savez = np.savez
_dumps = json.dumps


def pytest_addoption(parser):
    group = parser.getgroup("mljudge")
    group.addoption("--judge-out", default=None, help="folder for outcomes and records")
    group.addoption("--judge-seed", type=int, default=0, help="the run's seed")
    group.addoption("--judge-submission", default=None, help="folder holding the submission")
    group.addoption("--judge-module", default="solution", help="module the solution fixture imports")
    group.addoption("--judge-stop-at-timeout", action="store_true", default=False,
                    help="end the session after the first test that times out")
    group.addoption("--judge-forbidden-ops", default=None,
                    help="JSON {call: [op, ...]}: record these torch operations (see oprecord.py)")
    group.addoption("--judge-forbidden-modules", default=None,
                    help="JSON [package, ...]: report which of them the run imported")


def pytest_configure(config):
    config.addinivalue_line("markers", "weight(n): points the test is worth (default 1)")
    if not hasattr(config, "_mljudge"):
        config._mljudge = JudgeRun(config)
        config.pluginmanager.register(config._mljudge, "mljudge-run")


def _short(text: str, cap: int) -> str:
    text = text or ""
    return text if len(text) <= cap else text[: cap - 15] + " …[truncated]"


class JudgeRun:
    """Collects outcomes and checks, writes them to the output folder."""

    def __init__(self, config):
        self.config = config
        self.seed = int(config.getoption("--judge-seed"))
        self.out = config.getoption("--judge-out")
        self.submission = config.getoption("--judge-submission")
        self.module_name = config.getoption("--judge-module")
        self.module = None
        self.import_error: str | None = None
        self.import_timed_out = False
        self.import_seconds: float | None = None
        self.checks: dict[str, list] = {}
        self.reports: dict[str, dict] = {}
        self.index = 0
        self.stop_at_timeout = bool(config.getoption("--judge-stop-at-timeout"))
        self.session = None
        if self.out:
            os.makedirs(os.path.join(self.out, "records"), exist_ok=True)
        mods = config.getoption("--judge-forbidden-modules")
        self.forbidden_modules = [str(m) for m in json.loads(mods)] if mods else []
        self.modules_before = set(sys.modules)
        self.ops: dict[str, dict] = {}  # nodeid -> {"ops": [[op, call, phase]], "intact", "notes"}
        self.recorder = None
        spec = oprecord.load_spec(config.getoption("--judge-forbidden-ops"))
        if spec:
            self.recorder = oprecord.OpRecorder(spec, self.out)
            self.recorder.start()

    # ---- operations seen (oprecord) -------------------------------------
    def _add_ops(self, nodeid: str, report: dict, phase: str) -> None:
        state = self.ops.setdefault(nodeid, {"ops": [], "intact": True, "notes": []})
        for op, call in sorted(report.get("ops", {}).items()):
            state["ops"].append([op, call, phase])
        if not report.get("intact", False):
            state["intact"] = False
            state["notes"].extend(f"{phase}: {n}" for n in report.get("notes", []))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if self.recorder is None:
            yield
            return
        self._add_ops(item.nodeid, self.recorder.cut(), "outside")  # setup, imports, previous teardown
        self.recorder.current = item.nodeid
        try:
            yield
        finally:
            self._add_ops(item.nodeid, self.recorder.cut(), "call")
            self.recorder.current = ""

    # ---- writing -------------------------------------------------------
    def _write(self, name: str, text: str, mode: str = "w") -> None:
        if not self.out:
            return
        with _open(os.path.join(self.out, name), mode, encoding="utf-8") as fh:
            fh.write(text)

    def pytest_collection_finish(self, session):
        items = []
        for item in session.items:
            marker = item.get_closest_marker("weight")
            weight = marker.args[0] if marker and marker.args else 1
            items.append({"id": item.nodeid, "weight": weight})
        self._write("collected.json", _dumps(items))

    # ---- per-test outcome ---------------------------------------------
    def pytest_sessionstart(self, session):
        self.session = session

    def pytest_runtest_logreport(self, report):
        state = self.reports.setdefault(report.nodeid, {"outcome": "passed", "duration": 0.0})
        state["duration"] += float(getattr(report, "duration", 0.0) or 0.0)
        if report.passed:
            return
        text = getattr(report, "longreprtext", "") or ""
        if report.skipped:
            if state["outcome"] == "passed":
                state["outcome"] = "skipped"
                state["message"] = _short(_skip_reason(report), MESSAGE_CAP)
            return
        if state["outcome"] not in ("passed", "skipped"):
            return  # keep the first failure
        if "Failed: Timeout" in text or "Timeout >" in text:
            state["outcome"] = "timeout"
            if self.stop_at_timeout and self.session is not None:
                self.session.shouldstop = "a test hit the per-test time limit"
        elif report.when == "call":
            state["outcome"] = "failed"
        else:
            state["outcome"] = "error"
        state["message"] = _short(_crash_message(report, text), MESSAGE_CAP)
        state["details"] = _short(text, DETAILS_CAP)
        if "MemoryError" in text:
            state["memory_error"] = True

    def pytest_runtest_logfinish(self, nodeid, location):
        state = self.reports.pop(nodeid, {"outcome": "error", "duration": 0.0})
        checks = self.checks.pop(nodeid, [])
        line = {"id": nodeid, **state, "checks": [], "records": None}
        if self.recorder is not None:
            for child in self.recorder.child_reports(nodeid):
                self._add_ops(nodeid, child, "child")
            ops = self.ops.pop(nodeid, None)
            if ops is None and state.get("outcome") in ("error", "skipped"):
                # setup failed (e.g. the submission did not import) or the test was skipped:
                # no call phase ran; what ran meanwhile is in the next segment, still recorded
                ops = {"ops": [], "intact": True, "notes": []}
            elif ops is None:
                ops = {"ops": [], "intact": False, "notes": ["no call phase recorded"]}
            ops["notes"] = ops["notes"][:20]
            line["oprecord"] = ops
        if checks:
            arrays = {}
            for i, (meta, arr) in enumerate(checks):
                key = f"r{i}"
                arrays[key] = arr
                line["checks"].append({**meta, "key": key})
            rel = f"records/{self.index:05d}.npz"
            if self.out:
                _savez(os.path.join(self.out, rel), **arrays)
            line["records"] = rel
        self.index += 1
        self._write("outcomes.jsonl", _dumps(line) + "\n", mode="a")

    def pytest_sessionfinish(self, session, exitstatus):
        info = {
            "harness": HARNESS_VERSION,
            "exitstatus": int(exitstatus),
            "import_error": self.import_error,
            "import_timed_out": self.import_timed_out,
            "import_seconds": self.import_seconds,
            "python": sys.version.split()[0],
            "numpy": np.__version__,
        }
        if self.recorder is not None:
            final = {"ops": [], "intact": True, "notes": []}
            for phase, report in [("outside", self.recorder.stop())] + [
                    ("child", c) for c in self.recorder.child_reports("")]:
                final["ops"] += [[op, call, phase] for op, call in sorted(report.get("ops", {}).items())]
                if not report.get("intact", False):
                    final["intact"] = False
                    final["notes"] += [f"{phase}: {n}" for n in report.get("notes", [])][:20]
            final["unresolved"] = self.recorder.unresolved[:20]
            info["oprecord"] = final
        if self.forbidden_modules:
            info["forbidden_modules"] = _imported(self.forbidden_modules, self.modules_before)
        for lib in ("torch", "tensorflow"):
            mod = sys.modules.get(lib)
            if mod is not None:
                info[lib] = getattr(mod, "__version__", "?")
        self._write("session.json", _dumps(info))

    # ---- solution import ----------------------------------------------
    def import_solution(self):
        if self.module is not None:
            return self.module
        if self.import_error is not None:
            raise ImportError(self.import_error)
        self.modules_before = set(sys.modules)
        if self.submission and self.submission not in sys.path:
            sys.path.insert(0, self.submission)
        start = time.monotonic()
        try:
            self.module = importlib.import_module(self.module_name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: a submission may not end the run
            if isinstance(exc, (pytest.fail.Exception, pytest.skip.Exception, pytest.exit.Exception)):
                self.import_error = f"importing {self.module_name} timed out or was stopped: {exc}"
                self.import_timed_out = "Timeout" in str(exc)
                raise
            self.import_error = f"{type(exc).__name__} while importing {self.module_name}: {exc}"
            raise ImportError(self.import_error) from None
        finally:
            self.import_seconds = round(time.monotonic() - start, 3)
        return self.module

    def record(self, nodeid: str, name: str, value, rtol, atol, exact):
        if not isinstance(name, str) or not name:
            raise rec.RecordError("check name must be a non-empty string")
        rtol, atol = (0.0, 0.0) if exact else (rec.finite_float(rtol), rec.finite_float(atol))
        bucket = self.checks.setdefault(nodeid, [])
        taken = {meta["name"] for meta, _ in bucket}
        for path, leaf in rec.flatten(name, value):
            if path in taken:
                raise rec.RecordError(f"check {path!r} recorded twice in one test")
            arr = rec.leaf_array(leaf)
            bucket.append(({"name": path, "rtol": rtol, "atol": atol, "exact": bool(exact),
                            **rec.describe(arr)}, arr))
            taken.add(path)
        return value


def _imported(packages: list[str], before: set[str]) -> list[str]:
    """The packages (or submodules of them) in sys.modules now that were not there
    before the submission was imported (torch itself loads torch.ao, for one)."""
    now = [m for m in list(sys.modules) if m not in before]
    return sorted({p for p in packages for m in now if m == p or m.startswith(p + ".")})


def _crash_message(report, text: str) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return crash.message.splitlines()[0] if crash.message else ""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "failed"


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return "skipped"


# ---- fixtures ----------------------------------------------------------
def _run(request) -> JudgeRun:
    return request.config._mljudge


@pytest.fixture(scope="session")
def seed(request) -> int:
    return _run(request).seed


@pytest.fixture
def rng(request, seed) -> np.random.Generator:
    salt = zlib.crc32(request.node.nodeid.encode("utf-8"))
    return np.random.default_rng([seed, salt])


@pytest.fixture
def torch_seed(request, seed) -> int:
    import torch

    value = (seed * 1_000_003 + zlib.crc32(request.node.nodeid.encode("utf-8"))) % (2**31)
    torch.manual_seed(value)
    return value


@pytest.fixture
def check(request):
    run = _run(request)
    nodeid = request.node.nodeid

    def check(name, value, rtol=1e-5, atol=1e-8, exact=False):
        """Record ``value`` under ``name``; the judge compares it with the reference."""
        return run.record(nodeid, name, value, rtol, atol, exact)

    return check


@pytest.fixture(scope="session")
def solution(request):
    return _run(request).import_solution()
