"""Mutation operators: each takes an AST node and yields ``(operator, start, end, new_text)``
edits on character offsets of the file. See docs/problem-format.md (Mutants) for the list.
"""
from __future__ import annotations

import ast
import re


class Source:
    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.lines = text.splitlines(keepends=True)

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "replace"))

    def span(self, node) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def seg(self, node) -> str:
        a, b = self.span(node)
        return self.text[a:b]


ATOMIC = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant, ast.List, ast.Tuple, ast.Dict)


def wrapped(node, src: Source) -> str:
    text = src.seg(node)
    return text if isinstance(node, ATOMIC) else f"({text})"


def _token_in_gap(src: Source, left, right, token_re: str):
    """Offsets of the operator token between two nodes (skipping parentheses and comments)."""
    a, b = src.span(left)[1], src.span(right)[0]
    gap = src.text[a:b]
    m = re.search(token_re, re.sub(r"#[^\n]*", lambda x: " " * len(x.group()), gap))
    return (a + m.start(), a + m.end()) if m else None


BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
       ast.Pow: "**", ast.MatMult: "@"}
BIN_SWAP = {ast.Add: ["-"], ast.Sub: ["+"], ast.Mult: ["/"], ast.Div: ["*"], ast.FloorDiv: ["/"],
            ast.Mod: ["//"], ast.Pow: ["*"], ast.MatMult: ["*"]}
BIN_RE = {"+": r"(?<![*/+\-@%<>=!])\+(?!=)", "-": r"(?<![*/+\-@%<>=!])-(?!=)", "*": r"(?<!\*)\*(?![*=])",
          "/": r"(?<!/)/(?![/=])", "//": r"//(?!=)", "%": r"%(?!=)", "**": r"\*\*(?!=)", "@": r"@(?!=)"}


def arith(node, src):
    """Arithmetic operator swaps: + ↔ -, * ↔ /, // → /, % → //, ** → *, @ → *."""
    if isinstance(node, ast.BinOp) and type(node.op) in BIN_SWAP:
        pos = _token_in_gap(src, node.left, node.right, BIN_RE[BIN[type(node.op)]])
        if pos:
            for new in BIN_SWAP[type(node.op)]:
                yield "arith", pos[0], pos[1], new


def drop_term(node, src):
    """A term dropped from a sum or difference: ``a + b`` → ``a`` and ``b``; ``a - b`` → ``a``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        a, b = src.span(node)
        yield "drop-term", a, b, wrapped(node.left, src)
        if isinstance(node.op, ast.Add):
            yield "drop-term", a, b, wrapped(node.right, src)


NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.MatMult, ast.FloorDiv, ast.Pow)


def swap_operands(node, src):
    """Operands of a non-commutative operator swapped: ``a - b`` → ``b - a``, ``A @ B`` → ``B @ A``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, NON_COMMUTATIVE):
        a, b = src.span(node)
        la, lb = src.span(node.left)
        ra, rb = src.span(node.right)
        if src.seg(node.left) != src.seg(node.right) and a == la and b == rb:
            yield "swap-args", a, b, wrapped(node.right, src) + src.text[lb:ra] + wrapped(node.left, src)


AUG_SWAP = {ast.Add: "-=", ast.Sub: "+=", ast.Mult: "/=", ast.Div: "*="}


def augassign(node, src):
    """``+=`` ↔ ``-=``, ``*=`` ↔ ``/=``; the statement dropped; ``x op= y`` → ``x = x op y`` (a new
    object instead of an in-place update, for a plain name)."""
    if not isinstance(node, ast.AugAssign):
        return
    op = BIN.get(type(node.op))
    pos = _token_in_gap(src, node.target, node.value, re.escape(op + "=")) if op else None
    if pos and type(node.op) in AUG_SWAP:
        yield "arith", pos[0], pos[1], AUG_SWAP[type(node.op)]
    a, b = src.span(node)
    yield "drop-stmt", a, b, "pass"
    if pos and isinstance(node.target, ast.Name):
        t = node.target.id
        yield "inplace", a, b, f"{t} = {t} {op} {wrapped(node.value, src)}"


def assign_inplace(node, src):
    """``x = x op y`` → ``x op= y`` (an in-place update of a possibly shared object)."""
    if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.BinOp) and isinstance(node.value.left, ast.Name)
            and node.value.left.id == node.targets[0].id and type(node.value.op) in BIN):
        a, b = src.span(node)
        yield "inplace", a, b, f"{node.targets[0].id} {BIN[type(node.value.op)]}= {src.seg(node.value.right)}"


CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
       ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
CMP_SWAP = {ast.Lt: ["<=", ">"], ast.LtE: ["<", ">="], ast.Gt: [">=", "<"], ast.GtE: [">", "<="],
            ast.Eq: ["!="], ast.NotEq: ["=="], ast.Is: ["is not"], ast.IsNot: ["is"], ast.In: ["not in"],
            ast.NotIn: ["in"]}
CMP_RE = {"<": r"<(?!=)", "<=": r"<=", ">": r">(?!=)", ">=": r">=", "==": r"==", "!=": r"!=",
          "is": r"\bis\b(?!\s+not\b)", "is not": r"\bis\s+not\b", "in": r"(?<!not )\bin\b",
          "not in": r"\bnot\s+in\b"}


def compare(node, src):
    """Comparison swaps: < ↔ <= and > , == ↔ !=, is ↔ is not, in ↔ not in."""
    if isinstance(node, ast.Compare):
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            pos = _token_in_gap(src, left, right, CMP_RE[CMP[type(op)]])
            if pos:
                for new in CMP_SWAP[type(op)]:
                    yield "compare", pos[0], pos[1], new
            left = right


def boolean(node, src):
    """``and`` ↔ ``or``; ``not x`` → ``x``; a unary minus dropped; an if/while/ternary condition negated."""
    if isinstance(node, ast.BoolOp):
        word, other = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        for left, right in zip(node.values, node.values[1:]):
            pos = _token_in_gap(src, left, right, rf"\b{word}\b")
            if pos:
                yield "boolean", pos[0], pos[1], other
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        a, b = src.span(node)
        yield "boolean" if isinstance(node.op, ast.Not) else "arith", a, b, wrapped(node.operand, src)
    elif isinstance(node, (ast.If, ast.While, ast.IfExp)) and not (
            isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)):
        a, b = src.span(node.test)
        yield "negate-cond", a, b, f"not ({src.seg(node.test)})"


EPS = 1e-3


def _numbers(value) -> list:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    if isinstance(value, int):
        return {0: [1], 1: [0, 2]}.get(value, [value + 1, value - 1])
    if value == 0:
        return [1.0]
    if abs(value) < EPS:
        return [0.0]  # an eps dropped
    if value == 1:
        return [0.0, 2.0]
    if value == 0.5:
        return [1.0]
    return [value + 1]


def constant(node, src):
    """Numbers nudged: ints 0 ↔ 1, n → n ± 1; floats 0 → 1, 1 → 0 and 2, 0.5 → 1, x → x + 1, an eps
    (|x| < 1e-3) → 0. Axis arguments are the ``axis`` operator's."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and isinstance(node.value, (int, float)):
        if getattr(node, "_axis", False):
            return
        a, b = src.span(node)
        for new in _numbers(node.value):
            yield "constant", a, b, repr(new)
