"""Intake: read a submission (a folder or one file) into memory, validated.

Nothing is judged here; what is wrong with the submission is collected in
``Submission.invalid`` (→ ``invalid_submission``) so the submission can still
be stored and the candidate told exactly what to fix. Only input the judge
cannot even store (a path that does not exist, a file larger than
``STORE_CAP``) is refused with a usage error.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .problem import Problem

STORE_CAP = 64 << 20  # bytes the judge will keep of one submission
MAX_ENTRIES = 200
SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}$")
IGNORED = {"__pycache__", ".ipynb_checkpoints", ".DS_Store", ".git", ".pytest_cache", ".mypy_cache",
           ".mljudge-pack.json"}  # the last: what `judge init` writes for `judge test` in a pack


@dataclass
class Submission:
    files: dict[str, bytes]  # the problem's files that were found, name -> content
    source: str  # where it came from
    invalid: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()

    def texts(self) -> dict[str, str]:
        """The files that decode as UTF-8."""
        out = {}
        for name, data in self.files.items():
            try:
                out[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return out


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.1f} KB"


def _read_file(path: Path, name: str, sub: Submission, problem: Problem) -> None:
    size = path.stat().st_size
    if size > STORE_CAP:
        raise UsageError(f"{path}: {_size(size)} is more than the judge accepts ({_size(STORE_CAP)})")
    data = path.read_bytes()
    sub.files[name] = data
    cap = problem.max_file_kb * 1024
    if size > cap:
        sub.invalid.append(f"{name} is {_size(size)}; the limit is {_size(cap)}")
        return
    if b"\0" in data:
        sub.invalid.append(f"{name} is not a text file (it holds NUL bytes)")
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        sub.invalid.append(f"{name} is not UTF-8 text (byte {exc.start})")


def read_submission(problem: Problem, path: str | Path) -> Submission:
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise UsageError(f"{path}: no such file or folder")
    sub = Submission(files={}, source=str(p.resolve() if not p.is_symlink() else p.absolute()))
    wanted = list(problem.files)
    if p.is_symlink():
        sub.invalid.append(f"{p.name} is a symbolic link; submit the file itself")
        return sub
    if p.is_file():
        if len(wanted) != 1:
            raise UsageError(f"{problem.id} needs {len(wanted)} files ({', '.join(wanted)}): submit a folder")
        if p.suffix != ".py":
            sub.invalid.append(f"{p.name} is not a .py file; {problem.id} expects {wanted[0]}")
            return sub
        _read_file(p, wanted[0], sub, problem)
        return sub
    entries = sorted(p.rglob("*"))
    if len(entries) > MAX_ENTRIES:
        sub.invalid.append(f"the folder holds {len(entries)} entries; at most {MAX_ENTRIES} are accepted")
        return sub
    for entry in entries:
        rel = entry.relative_to(p)
        if any(part in IGNORED for part in rel.parts):
            continue
        if entry.is_symlink():
            sub.invalid.append(f"{rel} is a symbolic link; links are not accepted")
            continue
        if not all(SAFE_NAME.match(part) for part in rel.parts):
            sub.invalid.append(f"{str(rel)!r} has characters not allowed in a file name")
            continue
        if entry.is_dir():
            continue
        name = str(rel)
        if name in wanted:
            _read_file(entry, name, sub, problem)
        else:
            sub.ignored.append(name)
    for name in wanted:
        if name not in sub.files:
            sub.invalid.append(f"missing {name} (the problem expects: {', '.join(wanted)})")
    return sub


def write_files(sub: Submission, dest: Path) -> Path:
    """Write the submission's files into ``dest`` (created); readable by the sandbox user."""
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o755)
    for name, data in sub.files.items():
        target = dest / name
        target.write_bytes(data)
        target.chmod(0o644)
    return dest
