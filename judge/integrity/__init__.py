"""Integrity flags: code that hides what it calls (computed imports and attribute
names, exec/eval, code from data, reflection, frame or gc introspection, private
framework entry points, patching of the test tools, ...).

``scan(texts)`` gives the flags of a submission's files as dicts
``{file, line, kind, text, message}``, in file and line order. They go into
the result document's ``integrity`` list for the interviewer; a problem with
``strict: true`` rejects flagged code (``strict_message``).
"""
from __future__ import annotations

from pathlib import PurePosixPath

from .flags import Flag, Scanner, fold
from .rules import KINDS


def scan(texts: dict[str, str]) -> list[dict]:
    from ..static import parse, too_deep

    own = {PurePosixPath(name).stem for name in texts}
    out: list[dict] = []
    for name in sorted(texts):
        try:
            tree = parse(texts[name], name)
        except (SyntaxError, ValueError, RecursionError):
            continue
        try:
            if too_deep(tree):
                raise RecursionError
            out.extend(f.to_dict() for f in Scanner(name, texts[name], own).run(tree))
        except RecursionError:  # code nested deeper than the pass can walk: nothing was checked
            out.append(Flag(name, 1, "unreadable", "", f"{name} {KINDS['unreadable']}").to_dict())
    return out


def where(flag: dict) -> str:
    return f"{flag['file']}:{flag['line']}"


def line(flag: dict) -> str:
    """One line: ``solution.py:3: computed-import: imports a module whose name is computed``."""
    return f"{where(flag)}: {flag['kind']}: {flag['message']}"


def strict_message(flags: list[dict]) -> str:
    more = f" (and {len(flags) - 1} more flag{'s' if len(flags) > 2 else ''})" if len(flags) > 1 else ""
    return f"this problem does not allow code that hides what it calls: {line(flags[0])}{more}"


__all__ = ["KINDS", "Flag", "fold", "line", "scan", "strict_message", "where"]
