"""Problem packages: ``problems/<id>/problem.yaml`` loaded, validated and digested."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import secret
from .errors import UsageError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
FILE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
# a dispatcher op ("aten::linear", "quantized::*") or a marked Python callable ("py::torch.nn.X")
OP_RE = re.compile(r"^(py::[A-Za-z_][\w.]*|[A-Za-z_]\w*::(\*|[A-Za-z_][\w.]*\*?))$")


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wall_seconds: float = Field(120, gt=0, le=3600)
    test_seconds: float = Field(30, gt=0, le=3600)
    memory_mb: int = Field(2048, ge=64, le=16384)
    cpus: float = Field(1, gt=0, le=8)
    pids: int = Field(64, ge=8, le=4096)
    output_kb: int = Field(1024, ge=16, le=65536)
    tmp_mb: int = Field(256, ge=8, le=8192)
    shm_mb: int = Field(64, ge=1, le=4096)


class Scoring(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: dict[str, float] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _positive(cls, v):
        for name, w in v.items():
            if w < 0:
                raise ValueError(f"weight of {name} must be >= 0")
        return v


class Problem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    version: int = Field(ge=1)
    difficulty: Literal["easy", "medium", "hard"]
    framework: Literal["numpy", "torch", "tensorflow"]
    # the Python environment the sandbox runs (judge/sandbox/runtimes.py); default: the framework
    runtime: Literal["numpy", "torch", "tensorflow"] | None = None
    tags: list[str] = Field(default_factory=list)
    files: list[str] = Field(min_length=1)
    module: str = "solution"
    variants: int = Field(3, ge=1, le=1000)
    limits: Limits = Field(default_factory=Limits)
    forbidden_imports: list[str] = Field(default_factory=list)
    forbidden_calls: list[str] = Field(default_factory=list)
    # forbidden call -> the torch operations it runs, recorded at run time (torch problems)
    forbidden_ops: dict[str, list[str]] = Field(default_factory=dict)
    scoring: Scoring = Field(default_factory=Scoring)
    max_file_kb: int = Field(256, ge=1, le=10240)
    # reject code the integrity pass flags (computed imports, exec, patching, ...)
    strict: bool = False

    # filled in by load(), not part of the YAML
    root: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _runtime_default(self):
        if self.runtime is None:
            self.runtime = self.framework
        return self

    @field_validator("id")
    @classmethod
    def _id(cls, v):
        if not ID_RE.match(v):
            raise ValueError("must be lowercase letters, digits and dashes")
        return v

    @field_validator("files")
    @classmethod
    def _files(cls, v):
        for name in v:
            if not FILE_RE.match(name):
                raise ValueError(f"{name!r} is not a plain Python file name")
        if len(set(v)) != len(v):
            raise ValueError("file names repeat")
        return v

    @field_validator("forbidden_ops")
    @classmethod
    def _ops(cls, v):
        for call, ops in v.items():
            if not ops:
                raise ValueError(f"{call}: list at least one operation")
            for op in ops:
                if not OP_RE.match(op):
                    raise ValueError(f"{call}: {op!r} is not an operation name like aten::linear, "
                                     "quantized::* or py::torch.nn.functional.x")
        return v

    # ---- paths -----------------------------------------------------------
    @property
    def dir(self) -> Path:
        return self.root / "problems" / self.id

    @property
    def hidden_dir(self) -> Path:
        return self.dir / "hidden"

    @property
    def public_dir(self) -> Path:
        return self.dir / "public"

    @property
    def starter_dir(self) -> Path:
        return self.dir / "starter"

    @property
    def spec_path(self) -> Path:
        return self.dir / "spec.md"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference" / self.id

    @property
    def submissions_dir(self) -> Path:
        return self.root / "submissions" / self.id

    def seed_for_variant(self, variant: int) -> int:
        """A stable seed per (problem, version, variant), keyed by the installation's
        secret (judge/secret.py): a public problem bank does not give its seeds away."""
        return secret.variant_seed(self.id, self.version, variant)

    def digest(self) -> str:
        """Hash of everything that affects judging: problem.yaml, hidden tests, reference."""
        h = hashlib.sha256()
        for base in (self.dir / "problem.yaml", self.hidden_dir, self.reference_dir):
            for path in sorted(_files_under(base)):
                h.update(str(path.relative_to(self.root)).encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
        return h.hexdigest()[:16]


def _files_under(base: Path):
    if base.is_file():
        yield base
    elif base.is_dir():
        for p in base.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                yield p


def _format_error(err: ValidationError, path: Path) -> str:
    lines = []
    for e in err.errors():
        where = ".".join(str(x) for x in e["loc"]) or "(top)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "missing key"
        lines.append(f"{path}: {where}: {msg}")
    return "\n".join(lines)


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder above ``start`` holding problems/."""
    import os

    env = os.environ.get("JUDGE_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "problems").is_dir():
            return p
    pkg_root = Path(__file__).resolve().parent.parent
    if (pkg_root / "problems").is_dir():
        return pkg_root
    raise UsageError("no problems/ folder found here or above; run from the repository or set JUDGE_ROOT")


def load(problem_id: str, root: Path | None = None) -> Problem:
    root = root or find_root()
    path = root / "problems" / problem_id / "problem.yaml"
    if not ID_RE.match(problem_id or "") or not path.is_file():
        known = ", ".join(list_ids(root)) or "none"
        raise UsageError(f"unknown problem {problem_id!r} (known: {known})")
    return load_file(path, root)


def load_file(path: Path, root: Path) -> Problem:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: must be a mapping of keys")
    try:
        problem = Problem.model_validate(data)
    except ValidationError as err:
        raise UsageError(_format_error(err, path)) from None
    if problem.id != path.parent.name:
        raise UsageError(f"{path}: id {problem.id!r} does not match its folder {path.parent.name!r}")
    problem.root = root
    return problem


def list_ids(root: Path) -> list[str]:
    base = root / "problems"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "problem.yaml").is_file())
