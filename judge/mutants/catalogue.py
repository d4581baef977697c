"""``problems/<id>/mutants.yaml``: the problem's classic mistakes and its equivalent mutants.

```yaml
mistakes:
  - name: softmax-over-wrong-axis
    file: solution.py
    find: "axis=-1, keepdims=True"     # must occur exactly once in the reference file
    replace: "axis=0, keepdims=True"
    why: normalises over the batch instead of the classes
equivalent:
  - file: solution.py
    line: "eps = 1e-12"                # the original source line (stripped)
    mutant: "eps = 0"                  # the mutated source line (stripped)
    reason: the inputs never make the denominator zero
```
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import UsageError
from .generate import Mutant, compiles, make, norm

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


@dataclass
class Equivalent:
    file: str
    line: str
    mutant: str
    reason: str

    def matches(self, m: Mutant) -> bool:
        return m.file == self.file and norm(self.line) == m.line and norm(self.mutant) == m.mutated


@dataclass
class Catalogue:
    path: Path
    mistakes: list[dict] = field(default_factory=list)
    equivalent: list[Equivalent] = field(default_factory=list)


def _str(entry: dict, key: str, where: str, allow_empty=False) -> str:
    v = entry.get(key)
    if not isinstance(v, str) or (not allow_empty and not v.strip()):
        raise UsageError(f"{where}: '{key}' must be a non-empty string")
    return v


def load(problem) -> Catalogue:
    """The problem's catalogue (empty when it has no mutants.yaml); a bad file is a one-line UsageError."""
    path = problem.dir / "mutants.yaml"
    cat = Catalogue(path)
    if not path.is_file():
        return cat
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or set(data) - {"mistakes", "equivalent"}:
        raise UsageError(f"{path}: must be a mapping with the keys 'mistakes' and 'equivalent'")
    names = set()
    for i, e in enumerate(data.get("mistakes") or []):
        where = f"{path}: mistakes[{i}]"
        if not isinstance(e, dict) or set(e) - {"name", "file", "find", "replace", "why"}:
            raise UsageError(f"{where}: must be a mapping of name, file, find, replace, why")
        name = _str(e, "name", where)
        if not NAME_RE.match(name) or name in names:
            raise UsageError(f"{where}: name {name!r} is not a plain name or repeats")
        names.add(name)
        where = f"{path}: mistake {name}"
        if _str(e, "file", where) not in problem.files:
            raise UsageError(f"{where}: file {e['file']!r} is not one of {', '.join(problem.files)}")
        cat.mistakes.append({"name": name, "file": e["file"], "find": _str(e, "find", where),
                             "replace": _str(e, "replace", where, allow_empty=True), "why": str(e.get("why") or "")})
    for i, e in enumerate(data.get("equivalent") or []):
        where = f"{path}: equivalent[{i}]"
        if not isinstance(e, dict) or set(e) - {"file", "line", "mutant", "reason"}:
            raise UsageError(f"{where}: must be a mapping of file, line, mutant, reason")
        cat.equivalent.append(Equivalent(_str(e, "file", where), _str(e, "line", where), _str(e, "mutant", where),
                                         _str(e, "reason", where)))
    return cat


def match_equivalents(cat: Catalogue, mutants: list[Mutant]) -> tuple[dict[str, Equivalent], list[str]]:
    """``({mutant id: its declaration}, [stale entries])``: declarations that match no mutant are stale."""
    found, used = {}, set()
    for m in mutants:
        for i, e in enumerate(cat.equivalent):
            if e.matches(m):
                found[m.id] = e
                used.add(i)
                break
    stale = [f"{e.file}: {e.line!r} -> {e.mutant!r}" for i, e in enumerate(cat.equivalent) if i not in used]
    return found, stale


def mistake_mutants(cat: Catalogue, originals: dict[str, str]) -> list[Mutant]:
    """The catalogue's mistakes applied to the reference; a ``find`` not there exactly once is an error."""
    out = []
    for e in cat.mistakes:
        text = originals[e["file"]]
        count = text.count(e["find"])
        if count != 1:
            raise UsageError(f"{cat.path}: mistake {e['name']}: 'find' occurs {count} times in "
                             f"reference {e['file']} (must be exactly once)")
        start = text.index(e["find"])
        m = make(e["file"], text, "mistake", start, start + len(e["find"]), e["replace"], {}, why=e["why"])
        if m is None:
            raise UsageError(f"{cat.path}: mistake {e['name']}: 'replace' leaves the file unchanged")
        if not compiles(m.source, e["file"]):
            raise UsageError(f"{cat.path}: mistake {e['name']}: the patched {e['file']} does not compile")
        out.append(Mutant(f"{e['file']}:mistake:{e['name']}", m.file, "mistake", m.lineno, m.line, m.mutated,
                          m.source, m.original, m.why))
    return out
