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


AXIS_KEYS = {"axis", "dim", "axes"}
KEEP_KEYS = {"keepdims", "keepdim"}
REDUCERS = {"sum", "mean", "max", "min", "argmax", "argmin", "softmax", "log_softmax", "std", "var", "cumsum",
            "prod", "norm", "any", "all", "logsumexp", "amax", "amin", "nansum", "nanmean", "reduce_sum",
            "reduce_mean", "reduce_max", "concatenate", "cat", "stack", "squeeze", "unsqueeze", "expand_dims",
            "flatten", "sort", "argsort", "median", "count_nonzero"}
MODULES = {"np", "numpy", "torch", "tf", "F", "jnp"}


def _other_axes(value) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return {-1: ["0"], 0: ["1"], 1: ["0"]}.get(value.value, ["0"])
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) and isinstance(value.operand, ast.Constant):
        return ["0"]
    if isinstance(value, ast.Constant) and value.value is None:
        return ["0"]
    return []


def _drop_keyword(node: ast.Call, kw: ast.keyword, src: Source):
    items = sorted([*node.args, *node.keywords], key=lambda n: (n.lineno, n.col_offset))
    i = items.index(kw)
    a, b = src.span(kw)
    if i > 0:
        a = src.span(items[i - 1])[1]
    elif i + 1 < len(items):
        b = src.span(items[i + 1])[0]
    return a, b


def axis(node, src):
    """Reduction axes: ``axis=``/``dim=`` changed (-1 → 0, 0 → 1, 1 → 0) or dropped, ``keepdims`` flipped;
    a positional axis of ``x.sum(1)`` / ``np.sum(x, 1)`` changed likewise."""
    if not isinstance(node, ast.Call):
        return
    for kw in node.keywords:
        if kw.arg in AXIS_KEYS:
            a, b = src.span(kw.value)
            for new in _other_axes(kw.value):
                yield "axis", a, b, new
            yield "axis", *_drop_keyword(node, kw, src), ""
        elif kw.arg in KEEP_KEYS and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool):
            a, b = src.span(kw.value)
            yield "axis", a, b, str(not kw.value.value)
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in REDUCERS:
        is_module = isinstance(func.value, ast.Name) and func.value.id in MODULES
        pos = 1 if is_module else 0
        if len(node.args) > pos and not isinstance(node.args[pos], ast.Starred):
            a, b = src.span(node.args[pos])
            for new in _other_axes(node.args[pos]):
                yield "axis", a, b, new


COMMUTATIVE_CALLS = {"maximum", "minimum", "add", "multiply", "max", "min", "isclose", "allclose", "array_equal",
                     "fmax", "fmin", "hypot", "logical_and", "logical_or", "logaddexp", "logaddexp2", "equal",
                     "not_equal", "isinstance", "issubclass", "getattr", "hasattr", "setattr", "print", "zip",
                     "dict", "setdefault", "get", "pop", "format"}


def swap_call_args(node, src):
    """The first two positional arguments of a call swapped: ``f(a, b)`` → ``f(b, a)``."""
    if not isinstance(node, ast.Call) or len(node.args) < 2:
        return
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    x, y = node.args[0], node.args[1]
    if name in COMMUTATIVE_CALLS or isinstance(x, ast.Starred) or isinstance(y, ast.Starred):
        return
    if src.seg(x) == src.seg(y):
        return
    a, ae = src.span(x)
    bs, b = src.span(y)
    yield "swap-args", a, b, src.seg(y) + src.text[ae:bs] + src.seg(x)


COPY_METHODS = {"copy", "clone", "detach"}
COPY_FUNCS = {("np", "copy"), ("numpy", "copy"), ("copy", "copy"), ("copy", "deepcopy"), ("torch", "clone")}
INPLACE_METHODS = {"add", "sub", "mul", "div", "clamp", "neg", "exp", "sqrt", "pow", "zero", "fill", "copy",
                   "masked_fill", "relu", "sigmoid", "tanh", "abs", "clamp_min", "clamp_max", "mul", "scatter"}


def copies(node, src):
    """``.copy()``/``.clone()``/``.detach()`` and ``np.copy(x)``/``copy.deepcopy(x)`` removed;
    ``np.array(x)`` → ``np.asarray(x)``; ``x.add_(y)`` → ``x.add(y)`` and ``x.add(y)`` → ``x.add_(y)``."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return
    func = node.func
    a, b = src.span(node)
    if func.attr in COPY_METHODS and not node.args and not node.keywords:
        yield "copy", a, b, src.seg(func.value)
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if (owner, func.attr) in COPY_FUNCS and len(node.args) == 1 and not node.keywords:
        yield "copy", a, b, wrapped(node.args[0], src)
    if owner in ("np", "numpy") and func.attr == "array" and node.args:
        fa, fb = src.span(func)
        yield "copy", fa, fb, f"{owner}.asarray"
    if owner not in MODULES:
        name_end = src.span(func)[1]
        if func.attr.endswith("_") and not func.attr.startswith("_") and func.attr[:-1] in INPLACE_METHODS:
            yield "inplace", name_end - 1, name_end, ""
        elif func.attr in INPLACE_METHODS and func.attr not in COPY_METHODS:
            yield "inplace", name_end, name_end, "_"


def training(node, src):
    """Train/eval conditions inverted: ``self.training`` → ``(not self.training)``,
    ``training=x`` → ``training=(not x)``, ``.train()`` ↔ ``.eval()``."""
    if isinstance(node, ast.Attribute) and node.attr == "training" and isinstance(node.ctx, ast.Load):
        a, b = src.span(node)
        yield "training", a, b, f"(not {src.seg(node)})"
    elif isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg == "training":
                a, b = src.span(kw.value)
                yield "training", a, b, f"(not {src.seg(kw.value)})"
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("train", "eval") and not node.args:
            fa, fb = src.span(node.func)
            new = "eval" if node.func.attr == "train" else "train"
            yield "training", fb - len(node.func.attr), fb, new


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


def mark_axis_constants(tree):
    """Constants that are reduction axes belong to ``axis``, not to ``constant``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in AXIS_KEYS | KEEP_KEYS:
                    for sub in ast.walk(kw.value):
                        sub._axis = True
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in REDUCERS:
                pos = 1 if isinstance(func.value, ast.Name) and func.value.id in MODULES else 0
                if len(node.args) > pos:
                    for sub in ast.walk(node.args[pos]):
                        sub._axis = True


OPERATORS = [arith, drop_term, swap_operands, augassign, assign_inplace, compare, boolean, axis, swap_call_args,
             copies, training, constant]
