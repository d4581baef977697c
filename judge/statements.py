"""Statement pairs: ``spec.md`` and its Chinese translation ``spec.zh.md`` must agree.

A translation changes the prose, never what a candidate codes against, so the
two files must hold the same fenced code blocks (byte for byte, in order),
the same number of headings and of table rows, and the same inline code
spans (identifiers, signatures, formulas, values in backticks) the same number
of times. ``findings(problem_dir)`` returns one line per difference.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import STATEMENT

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_INLINE = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)  # may wrap, not across a blank line


@dataclass
class Parts:
    code_blocks: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    table_rows: int = 0
    inline: Counter = field(default_factory=Counter)


def parse(text: str) -> Parts:
    """The parts of a Markdown statement that a translation must keep."""
    parts = Parts()
    block: list[str] | None = None
    fence = ""
    prose: list[str] = []  # lines outside code blocks; inline spans are found in them afterwards
    for line in text.splitlines():
        m = _FENCE.match(line)
        if block is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                parts.code_blocks.append("\n".join(block))
                block = None
            else:
                block.append(line)
            continue
        if m:
            fence, block = m.group(1), [line.strip()]  # the info string (```python) is part of the block
            prose.append("")  # a code block ends a paragraph
            continue
        prose.append(line)
        stripped = line.lstrip()
        if re.match(r"#{1,6}\s", stripped) and line.startswith("#"):
            parts.headings.append(stripped)
        if stripped.startswith("|"):
            parts.table_rows += 1
    spans = (" ".join(m.group(2).split()) for m in _INLINE.finditer("\n".join(prose)))
    parts.inline.update(s for s in spans if s)
    if block is not None:
        parts.code_blocks.append("\n".join(block))  # an unclosed fence runs to the end
    return parts


def _first_line(block: str) -> str:
    lines = block.splitlines()
    body = next((ln.strip() for ln in lines[1:] if ln.strip()), lines[0] if lines else "")
    return body[:60]


def compare(en: str, zh: str, en_name: str = STATEMENT["en"], zh_name: str = STATEMENT["zh"]) -> list[str]:
    """One line per difference between an English statement and its translation."""
    a, b = parse(en), parse(zh)
    out = []
    if len(a.headings) != len(b.headings):
        out.append(f"{len(a.headings)} headings in {en_name}, {len(b.headings)} in {zh_name}")
    if a.table_rows != b.table_rows:
        out.append(f"{a.table_rows} table rows in {en_name}, {b.table_rows} in {zh_name}")
    if len(a.code_blocks) != len(b.code_blocks):
        out.append(f"{len(a.code_blocks)} code blocks in {en_name}, {len(b.code_blocks)} in {zh_name}")
    for n, (x, y) in enumerate(zip(a.code_blocks, b.code_blocks), start=1):
        if x != y:
            out.append(f"code block {n} differs (in {en_name} it begins {_first_line(x)!r})")
    for span in sorted(set(a.inline) | set(b.inline)):
        if a.inline[span] != b.inline[span]:
            out.append(f"`{span}` appears {a.inline[span]}× in {en_name}, {b.inline[span]}× in {zh_name}")
    return out


def findings(problem_dir: Path) -> list[str]:
    """What is wrong with a problem's statement pair: missing or empty files, then each difference."""
    problem_dir = Path(problem_dir)
    texts = {}
    out = []
    for lang, name in STATEMENT.items():
        path = problem_dir / name
        try:
            texts[lang] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            out.append(f"{name} missing")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            out.append(f"{name} unreadable: {type(exc).__name__}")
            continue
        if not texts[lang].strip():
            out.append(f"{name} is empty")
            del texts[lang]
    if len(texts) == len(STATEMENT):
        out += compare(texts["en"], texts["zh"])
    return out
