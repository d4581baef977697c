"""Forbidden torch operations seen at run time (judge/harness/oprecord.py, judge/opcheck.py).

The fixture problem ``tests/fixtures/torchops`` gets the forbidden_ops of every torch
problem of the repository merged in; its hidden tests run each forbidden call through
obfuscated paths (computed getattr, another thread, no_grad, ``torch.ops.aten``, a forked
child) and tamper with the recorder. Everything runs in the harness through the local
backend, as in a judging run.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from judge import opcheck, problem
from judge.errors import InternalError, UsageError
from judge.outputs import read_output
from judge.pipeline import judge, run_suite
from judge.reference import reference_output

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "torchops"
TORCH_PROBLEMS = ("transformer", "bert-classifier", "quantization", "ddp")
PATHS = ("getattr", "thread", "no_grad", "fork")
ATEN_PATH = {"torch.nn.functional.scaled_dot_product_attention", "torch.quantize_per_tensor",
             "torch.fake_quantize_per_tensor_affine", "torch._make_per_tensor_quantized_tensor"}


def merged_ops() -> dict[str, list[str]]:
    ops: dict[str, list[str]] = {}
    for pid in TORCH_PROBLEMS:
        for call, names in problem.load(pid, REPO).forbidden_ops.items():
            ops.setdefault(call, [])
            ops[call] += [n for n in names if n not in ops[call]]
    return ops


@pytest.fixture(scope="module")
def fixture_problem():
    p = problem.load("torchops", FIXTURE)
    return p.model_copy(update={"forbidden_ops": merged_ops()})


@pytest.fixture(scope="module")
def calls_run(fixture_problem, local_backend, tmp_path_factory):
    """One harness run of every forbidden call through every path, plus the tamper tests."""
    work = tmp_path_factory.mktemp("torchops")
    hidden = shutil.copytree(fixture_problem.hidden_dir, work / "hidden")
    (hidden / "calls.txt").write_text("\n".join(sorted(fixture_problem.forbidden_ops)), encoding="utf-8")
    run, out = run_suite(fixture_problem, local_backend, fixture_problem.reference_dir, 7, tests_dir=hidden)
    assert out.session is not None, run.stderr[-2000:]
    return out


def test_every_torch_problem_declares_forbidden_ops():
    for pid in TORCH_PROBLEMS:
        p = problem.load(pid, REPO)
        assert set(p.forbidden_ops) == set(p.forbidden_calls), pid


def _cases():
    for call in sorted(merged_ops()):
        for path in PATHS + (("aten",) if call in ATEN_PATH else ()):
            yield call, path


@pytest.mark.parametrize("call,path", list(_cases()))
def test_forbidden_call_is_seen(calls_run, call, path):
    t = calls_run.tests[f"test_calls.py::test_call[{call}|{path}]"]
    assert t.outcome == "passed", t.message
    assert t.oprecord is not None and t.oprecord.intact, t.oprecord
    seen = {c for _, c, _ in t.oprecord.ops}
    assert call in seen, t.oprecord.ops
    phases = {ph for _, c, ph in t.oprecord.ops if c == call}
    assert phases == ({"child"} if path == "fork" else {"call"})


def test_every_python_marker_resolves(calls_run):
    rec = calls_run.session["oprecord"]
    assert rec["unresolved"] == []


def test_clean_test_records_nothing(calls_run):
    t = calls_run.tests["test_calls.py::test_clean"]
    assert t.outcome == "passed"
    assert t.oprecord.ops == [] and t.oprecord.intact


@pytest.mark.parametrize("name,note", [
    ("test_record_function_switch", "_enable_record_function was called"),
    ("test_profiler_stopped", "_disable_profiler was called"),
    ("test_nested_profiler", "_prepare_profiler was called"),
    ("test_unmark_python_function", "multi_head_attention_forward was unmarked"),
    ("test_redispatch", "OpOverload.redispatch was called"),
])
def test_tampering_is_noticed(calls_run, name, note):
    t = calls_run.tests[f"test_calls.py::{name}"]
    assert t.oprecord is not None and not t.oprecord.intact
    assert any(note in n for n in t.oprecord.notes), t.oprecord.notes


def test_forbidden_module_is_reported(calls_run, fixture_problem):
    assert calls_run.forbidden_modules == ["tabnanny"]
    found = opcheck.findings(fixture_problem, calls_run)
    assert "forbidden package tabnanny was imported at run time" in found


def test_findings_name_op_and_test(calls_run, fixture_problem):
    found = opcheck.findings(fixture_problem, calls_run)
    assert any(f.startswith("forbidden operation aten::scaled_dot_product_attention "
                            "(torch.nn.functional.scaled_dot_product_attention) ran during test "
                            "test_calls.py::test_call[torch.nn.functional.scaled_dot_product_attention|")
               for f in found), found[:5]
    assert not any("test_clean" in f for f in found)


def test_runtime_fused_attention_sample_is_invalid(local_backend):
    from judge.intake import read_submission

    p = problem.load("transformer", REPO)
    sub = read_submission(p, REPO / "submissions/transformer/invalid_submission/runtime-fused-attention")
    doc = judge(p, sub, p.seed_for_variant(0), local_backend)
    assert doc["verdict"] == "invalid_submission", doc["message"]
    assert "aten::scaled_dot_product_attention" in doc["message"] and "during test " in doc["message"]
    assert doc["points_before_invalid"] == doc["total"] > 0  # the solution works: only the recorder rejects it
    assert doc["score"] == 0.0 and doc["earned"] == 0.0     # and an invalid submission earns nothing
    assert doc["runtime_integrity"]["forbidden_ops_seen"]


def test_reference_that_runs_a_forbidden_op_is_an_error(local_backend, tmp_path):
    p = problem.load("torchops", FIXTURE)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_ref.py").write_text(
        "import torch\n"
        "def test_uses_sdpa(check):\n"
        "    q = torch.ones(1, 1, 2, 4)\n"
        "    check('y', torch.nn.functional.scaled_dot_product_attention(q, q, q))\n", encoding="utf-8")
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    shutil.rmtree(root / "problems/torchops/hidden")
    shutil.copytree(hidden, root / "problems/torchops/hidden")
    p = problem.load("torchops", root)
    with pytest.raises(InternalError, match="not clean: forbidden operation aten::scaled_dot_product_attention"):
        reference_output(p, 1, local_backend, use_cache=False)


def _write_output(folder: Path, oprecord, session_extra=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "collected.json").write_text(json.dumps([{"id": "t::a", "weight": 1}]))
    line = {"id": "t::a", "outcome": "passed", "checks": [], "records": None}
    if oprecord is not None:
        line["oprecord"] = oprecord
    (folder / "outcomes.jsonl").write_text(json.dumps(line) + "\n")
    (folder / "session.json").write_text(json.dumps({"exitstatus": 0, "oprecord": {"ops": [], "intact": True,
                                                                                    "notes": []},
                                                     "forbidden_modules": [], **(session_extra or {})}))


@pytest.mark.parametrize("raw,expect", [
    (None, "no operation record for test t::a"),
    ({"ops": "aten::x", "intact": True, "notes": []}, "stopped or bypassed around test t::a"),
    ({"ops": [["aten::x", 3, "call"]], "intact": True, "notes": []}, "stopped or bypassed"),
    ({"ops": [], "intact": "yes", "notes": []}, "stopped or bypassed"),
    ({"ops": [["aten::x" * 100, "c", "call"]], "intact": True, "notes": []}, "forbidden operation aten::x"),
])
def test_malformed_records_count_against_the_run(tmp_path, raw, expect):
    p = problem.load("torchops", FIXTURE)
    _write_output(tmp_path / "out", raw)
    found = opcheck.findings(p, read_output(tmp_path / "out"))
    assert found and expect in found[0]
    assert all(len(f) < 700 for f in found)


def test_well_formed_clean_record_has_no_findings(tmp_path):
    p = problem.load("torchops", FIXTURE)
    _write_output(tmp_path / "out", {"ops": [], "intact": True, "notes": []})
    assert opcheck.findings(p, read_output(tmp_path / "out")) == []


def test_bad_op_names_are_rejected(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    path = root / "problems/torchops/problem.yaml"
    path.write_text(path.read_text().replace("[aten::scaled_dot_product_attention]", "[scaled dot]"))
    with pytest.raises(UsageError, match="forbidden_ops"):
        problem.load("torchops", root)


def test_job_passes_ops_to_the_harness(fixture_problem, tmp_path):
    from judge.pipeline import suite_job
    from judge.sandbox.base import resolve

    job = suite_job(fixture_problem, tmp_path, tmp_path, tmp_path, 3)
    command = resolve(job.command, {"python": "py", "tests": "t", "submission": "s", "out": "o"})
    i = command.index("--forbidden-ops")
    assert json.loads(command[i + 1]) == fixture_problem.forbidden_ops
    assert json.loads(command[command.index("--forbidden-modules") + 1]) == ["tabnanny"]


def test_import_crash_under_the_recorder_is_a_runtime_error(local_backend):
    """A submission that fails to import never reaches a test's call phase: that is a
    runtime_error, not a recorder that was bypassed (invalid_submission)."""
    from judge.intake import read_submission

    p = problem.load("mixed-precision", REPO)
    assert p.forbidden_ops
    sub = read_submission(p, REPO / "submissions/mixed-precision/runtime_error/imports-removed-module")
    doc = judge(p, sub, p.seed_for_variant(0), local_backend)
    assert doc["verdict"] == "runtime_error", doc["message"]
    assert "ImportError" in doc["message"]
