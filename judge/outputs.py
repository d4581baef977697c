"""Read what a sandbox run wrote. Nothing in it is trusted.

Every file is read with a size cap and a safe loader (bounded JSON,
``numpy.load(allow_pickle=False)``). Malformed parts are dropped and noted in
``problems``; they fail only the tests they concern, never the judge.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import astsafe

JSON_CAP = 8 << 20  # bytes of any JSON file
NPZ_CAP = 512 << 20  # bytes of one records file
MAX_TESTS = 5000


@dataclass
class TestRecord:
    __test__ = False  # not a pytest class

    id: str
    outcome: str
    duration: float = 0.0
    message: str = ""
    details: str = ""
    memory_error: bool = False
    checks: dict[str, dict] = field(default_factory=dict)  # name -> meta (+ "value")
    oprecord: OpRecord | None = None  # None: the harness recorded no operations for it


@dataclass
class OpRecord:
    """Forbidden operations the harness saw (``[op, call, phase]``) and whether its
    recorder stayed intact; validated and capped (see harness/oprecord.py)."""

    ops: list[tuple[str, str, str]] = field(default_factory=list)
    intact: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class RunOutput:
    collected: list[dict] | None = None  # [{"id", "weight"}]
    tests: dict[str, TestRecord] = field(default_factory=dict)
    session: dict | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def oprecord(self) -> OpRecord | None:
        """The record of what ran outside every test's call phase (after the last test)."""
        return parse_oprecord((self.session or {}).get("oprecord"))

    @property
    def forbidden_modules(self) -> list[str] | None:
        mods = (self.session or {}).get("forbidden_modules")
        if not isinstance(mods, list):
            return None
        return [m[:200] for m in mods[:MAX_OPS] if isinstance(m, str)]

    @property
    def import_error(self) -> str | None:
        return (self.session or {}).get("import_error") or None


MAX_OPS = 100


def parse_oprecord(raw) -> OpRecord | None:
    if not isinstance(raw, dict):
        return None
    rec = OpRecord(intact=raw.get("intact") is True)
    for item in (raw.get("ops") if isinstance(raw.get("ops"), list) else [])[:MAX_OPS]:
        if isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item):
            rec.ops.append((item[0][:200], item[1][:200], item[2][:20]))
        else:
            rec.intact = False
    notes = raw.get("notes") if isinstance(raw.get("notes"), list) else []
    rec.notes = [n[:300] for n in notes[:20] if isinstance(n, str)]
    if not isinstance(raw.get("ops"), list) or not isinstance(raw.get("notes"), list):
        rec.intact = False
    return rec


OUTCOMES = {"passed", "failed", "error", "timeout", "skipped"}


def _read_json_text(path: Path, problems: list[str]) -> str | None:
    if not path.is_file() or path.is_symlink():
        return None
    if path.stat().st_size > JSON_CAP:
        problems.append(f"{path.name} is larger than {JSON_CAP} bytes; ignored")
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def _load_json(path: Path, problems: list[str]):
    text = _read_json_text(path, problems)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        problems.append(f"{path.name} is not valid JSON; ignored")
        return None


def _str(v, cap: int) -> str:
    return v[:cap] if isinstance(v, str) else ""


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:  # each header goes through ast.literal_eval
        return {k: data[k] for k in data.files}


def _load_records(path: Path, out_dir: Path, problems: list[str]) -> dict[str, np.ndarray]:
    try:
        resolved = path.resolve()
        if out_dir.resolve() not in resolved.parents or not resolved.is_file() or path.is_symlink():
            problems.append(f"records file {path.name} is missing or outside the output folder")
            return {}
        if resolved.stat().st_size > NPZ_CAP:
            problems.append(f"records file {path.name} is too large; ignored")
            return {}
        return astsafe.call(_read_npz, resolved)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        problems.append(f"records file {path.name} unreadable: {type(exc).__name__}")
        return {}


def read_output(out_dir: Path) -> RunOutput:
    res = RunOutput()
    coll = _load_json(out_dir / "collected.json", res.problems)
    if isinstance(coll, list):
        res.collected = [
            {"id": c["id"], "weight": float(c.get("weight", 1))}
            for c in coll[:MAX_TESTS]
            if isinstance(c, dict) and isinstance(c.get("id"), str)
            and isinstance(c.get("weight", 1), (int, float)) and not isinstance(c.get("weight", 1), bool)
        ]
    sess = _load_json(out_dir / "session.json", res.problems)
    res.session = sess if isinstance(sess, dict) else None
    text = _read_json_text(out_dir / "outcomes.jsonl", res.problems) or ""
    for n, line in enumerate(text.splitlines()[:MAX_TESTS]):
        try:
            row = json.loads(line)
        except ValueError:
            res.problems.append(f"outcomes line {n + 1} is not JSON; ignored")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        outcome = row.get("outcome") if row.get("outcome") in OUTCOMES else "error"
        rec = TestRecord(
            id=row["id"][:500], outcome=outcome,
            duration=float(row["duration"]) if isinstance(row.get("duration"), (int, float)) else 0.0,
            message=_str(row.get("message"), 2000), details=_str(row.get("details"), 20000),
            memory_error=row.get("memory_error") is True,
            oprecord=parse_oprecord(row.get("oprecord")),
        )
        arrays = {}
        if isinstance(row.get("records"), str):
            arrays = _load_records(out_dir / row["records"], out_dir, res.problems)
        for meta in row.get("checks") or []:
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
                continue
            value = arrays.get(meta.get("key")) if isinstance(meta.get("key"), str) else None
            rec.checks[meta["name"]] = {
                "rtol": meta.get("rtol"), "atol": meta.get("atol"), "exact": meta.get("exact") is True,
                "value": value,
            }
        if rec.id in res.tests:  # the harness writes one line a test: a second one is forged
            res.problems.append(f"test {rec.id} reported more than once; counted as error")
            rec = TestRecord(id=rec.id, outcome="error", message="outcome reported more than once")
        res.tests[rec.id] = rec
    return res
