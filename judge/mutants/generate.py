"""Generate mutants of a reference file: small faults as text edits of its source.

Only the bodies of functions and methods are mutated. Each operator in
``operators.py`` proposes edits ``(operator, start, end, new_text)`` on
character offsets; an edit that leaves the file unchanged, does not compile or
repeats an earlier mutant's source is dropped. A mutant's id is
``<file>:<operator>:<sha1(line, mutated line, occurrence)[:8]>``: it depends on
the lines it changes, not on their line numbers, so it survives unrelated edits.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
import warnings
from dataclasses import dataclass

from .operators import OPERATORS, Source, mark_axis_constants

TOOL_VERSION = "mljudge-mutants/1"  # bump when operators change what they generate


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    operator: str
    lineno: int
    line: str  # the original source line(s), stripped
    mutated: str  # the mutated source line(s), stripped
    source: str  # the whole mutated file
    original: str  # the whole original file
    why: str = ""  # catalogue mistakes: what the mistake does

    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            self.source.splitlines(keepends=True),
                                            f"a/{self.file}", f"b/{self.file}", n=2))


def norm(text: str) -> str:
    """Lines stripped, blank lines dropped: how lines are compared in ids and mutants.yaml."""
    return "\n".join(s.strip() for s in text.splitlines() if s.strip())


def short_hash(*parts) -> str:
    return hashlib.sha1("\0".join(str(p) for p in parts).encode()).hexdigest()[:8]


def compiles(source: str, name: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, name, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def function_nodes(tree: ast.AST):
    """Every node inside the body of an outermost function (methods included), in source order."""
    found = []

    def visit(node, in_class=False):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = child.body
                if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                        and isinstance(body[0].value.value, str):
                    body = body[1:]  # the docstring
                for stmt in body:
                    found.extend(n for n in ast.walk(stmt) if hasattr(n, "lineno"))
            elif isinstance(child, ast.ClassDef):
                visit(child, True)
            elif isinstance(child, (ast.If, ast.Try, ast.With)) and not in_class:
                visit(child)
    visit(tree)
    found.sort(key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)))
    return found


def line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Character offsets of the whole lines holding [start, end)."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return a, len(text) if b < 0 else b


def make(file: str, original: str, operator: str, start: int, end: int, new: str, seen_pairs: dict,
         why: str = "") -> Mutant | None:
    mutated_src = original[:start] + new + original[end:]
    if mutated_src == original:
        return None
    a, b = line_span(original, start, end)
    line = norm(original[a:b])
    mutated_line = norm(mutated_src[a:b - (end - start) + len(new)])
    key = (line, mutated_line)
    occurrence = seen_pairs.get(key, 0)
    seen_pairs[key] = occurrence + 1
    lineno = original.count("\n", 0, start) + 1
    mid = f"{file}:{operator}:{short_hash(line, mutated_line, occurrence)}"
    return Mutant(mid, file, operator, lineno, line, mutated_line, mutated_src, original, why)


def generate_file(file: str, original: str) -> list[Mutant]:
    """The generated mutants of one file, deterministic, in source order."""
    tree = ast.parse(original)
    mark_axis_constants(tree)
    src = Source(original)
    mutants: list[Mutant] = []
    seen_sources = {original}
    seen_pairs: dict = {}
    for node in function_nodes(tree):
        for op in OPERATORS:
            for operator, start, end, new in op(node, src):
                m = make(file, original, operator, start, end, new, seen_pairs)
                if m is None or m.source in seen_sources or not compiles(m.source, file):
                    continue
                seen_sources.add(m.source)
                mutants.append(m)
    return mutants
