"""Operators for ML code: axes and keepdims, swapped call arguments, copies, in-place
methods, train/eval conditions. Same interface as operators.py."""
from __future__ import annotations

import ast

from .operators import Source, wrapped


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
