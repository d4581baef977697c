"""Static checks: no container needed, well under a second.

- syntax: every submitted file must parse (→ ``compilation_error``, file:line);
- forbidden imports and calls listed in problem.yaml (→ ``invalid_submission``),
  found in the AST with import aliases resolved: ``import torch.nn as nn`` then
  ``nn.MultiheadAttention`` is ``torch.nn.MultiheadAttention``. Dynamic imports
  with a constant name (``__import__("x")``, ``importlib.import_module("x")``)
  count too, and so do names built from literals only (``"to" + "rch"``,
  ``getattr(F, "scaled_dot_" + "product_attention")``).
- integrity flags (judge/integrity/): code that hides what it calls, for the
  interviewer; a ``strict`` problem rejects it (→ ``invalid_submission``).
"""
from __future__ import annotations

import ast
import warnings

from . import astsafe
from .integrity import fold, scan, strict_message


def parse(source: str, name: str = "<submission>") -> ast.Module:
    """``ast.parse`` that is safe to call from several threads (judge/astsafe.py)."""
    return astsafe.call(ast.parse, source, name)


def _compile(text: str, name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(text, name, "exec", dont_inherit=True)


def syntax_error(texts: dict[str, str]) -> str | None:
    for name in sorted(texts):
        try:
            astsafe.call(_compile, texts[name], name)
        except SyntaxError as exc:
            where = f"{name}:{exc.lineno}" if exc.lineno else name
            col = f":{exc.offset}" if exc.offset else ""
            return f"{where}{col}: {exc.msg}"
        except (ValueError, RecursionError, MemoryError) as exc:
            return f"{name}: cannot be compiled: {type(exc).__name__}"
    return None


def _matches(name: str, forbidden: str) -> bool:
    return name == forbidden or name.startswith(forbidden + ".")


class _Finder(ast.NodeVisitor):
    def __init__(self, file: str, imports: list[str], calls: list[str]):
        self.file, self.imports, self.calls = file, imports, calls
        self.aliases: dict[str, str] = {}
        self.star: dict[str, str] = {}  # bare name → forbidden call brought in by ``from m import *``
        self.found: list[str] = []

    def _flag_import(self, module: str, node) -> None:
        for f in self.imports:
            if _matches(module, f):
                self.found.append(f"{self.file}:{node.lineno}: imports {module} (forbidden: {f})")
                return

    def visit_Import(self, node):
        for a in node.names:
            self._flag_import(a.name, node)
            self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._flag_import(node.module, node)
            for a in node.names:
                if a.name == "*":  # the forbidden names it brings in are bare names from here on
                    for f in self.calls:
                        if f.rsplit(".", 1)[0] == node.module:
                            self.aliases[f.rsplit(".", 1)[1]] = f
                            self.star[f.rsplit(".", 1)[1]] = f
                    continue
                full = f"{node.module}.{a.name}"
                self._flag_import(full, node)
                self.aliases[a.asname or a.name] = full
                self._flag_call(full, node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value in self.star:  # globals()["name"] after a star import
            self._flag_call(self.star[node.value], node)

    def _dotted(self, node) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def _flag_call(self, name: str, node) -> None:
        for f in self.calls:
            if name == f or name.endswith("." + f.split(".")[-1]) and _same_tail(name, f):
                self.found.append(f"{self.file}:{node.lineno}: uses {f} (forbidden)")
                return

    def visit_Attribute(self, node):
        name = self._dotted(node)
        if name:
            self._flag_call(name, node)
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.aliases:
            self._flag_call(self.aliases[node.id], node)

    def visit_Call(self, node):
        func = self._dotted(node.func) if isinstance(node.func, (ast.Attribute, ast.Name)) else None
        if func in ("__import__", "importlib.import_module", "builtins.__import__") and node.args:
            name = fold(node.args[0])
            if name is not None:
                self._flag_import(name, node)
        elif func in ("getattr", "builtins.getattr") and len(node.args) >= 2:
            base = self._dotted(node.args[0]) if isinstance(node.args[0], (ast.Attribute, ast.Name)) else None
            name = fold(node.args[1])
            if base and name is not None:
                self._flag_call(f"{base}.{name}", node)
        self.generic_visit(node)


def _same_tail(name: str, forbidden: str) -> bool:
    """``torch.nn.modules.activation.MultiheadAttention`` is ``torch.nn.MultiheadAttention``:
    same root package, same final name."""
    return name.split(".")[0] == forbidden.split(".")[0]


MAX_DEPTH = 200  # deeper syntax trees are not walked: a fixed bound, not the interpreter's recursion limit


def too_deep(tree: ast.AST) -> bool:
    """Whether the tree nests deeper than ``MAX_DEPTH`` (measured without recursion), so the
    verdict never depends on how much stack the judging process has left."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def forbidden_uses(texts: dict[str, str], imports: list[str], calls: list[str]) -> list[str]:
    if not imports and not calls:
        return []
    found: list[str] = []
    for name in sorted(texts):
        try:
            tree = parse(texts[name], name)
        except (SyntaxError, ValueError, RecursionError):
            continue
        finder = _Finder(name, imports, calls)
        try:
            if too_deep(tree):
                raise RecursionError
            finder.visit(tree)
        except RecursionError:  # it compiles, but is too deep to check: not checked is not allowed
            finder.found.append(f"{name}: nested too deeply for the static checks")
        found.extend(dict.fromkeys(finder.found))  # keep order, drop repeats
    return found


def integrity_flags(texts: dict[str, str]) -> list[dict]:
    """Code that hides what it calls, ``{file, line, kind, text, message}`` each (judge/integrity/)."""
    return scan(texts)


__all__ = ["forbidden_uses", "integrity_flags", "parse", "strict_message", "syntax_error"]
