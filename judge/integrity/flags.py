"""The integrity pass: find code that hides what it calls.

One walk over each file's AST, with import aliases resolved (``import
torch.nn.functional as F`` then ``F.x`` is ``torch.nn.functional.x``) and
simple local aliases followed (``m = F`` then ``m`` is ``F`` too). An object is
*foreign* when its name resolves to an imported module (or something reached
from one) that is not one of the submission's own files; the submission's own
objects (``self``, its classes, its variables, its own modules) are never
foreign, so ``getattr(self, f"W{i}")`` is not flagged and
``getattr(torch.nn.functional, name)`` is.

What it does not follow: objects passed through function arguments or
containers, and names built at run time by code it cannot fold. The runtime
side (per-framework environments, operator recording) backs it up there.
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass

from . import rules

DYNAMIC = "<module>"  # a module got at run time (import_module, sys.modules[...])
OWN = "<own>"         # the submission's own module reached through sys.modules[__name__]
_FOLD_MAX = 200


@dataclass(frozen=True)
class Flag:
    file: str
    line: int
    kind: str
    text: str      # the flagged source, first line, capped
    message: str   # one line for a person

    def to_dict(self) -> dict:
        return asdict(self)


def fold(node) -> str | None:
    """The value of a string expression built only from literals ("to" + "rch", f"{'a'}b")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        rights = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # a + b + c is left-deep
            rights.append(node.right)
            node = node.left
        parts = [fold(n) if not isinstance(n, ast.BinOp) else None for n in [node, *reversed(rights)]]
        if all(p is not None for p in parts) and sum(map(len, parts)) <= _FOLD_MAX:
            return "".join(parts)
        return None
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            inner = fold(v.value) if isinstance(v, ast.FormattedValue) and v.format_spec is None \
                and v.conversion == -1 else fold(v)
            if inner is None:
                return None
            parts.append(inner)
        return "".join(parts)
    return None


def literal(node) -> str | None:
    """A plain string literal (what a reader sees written out): not a concatenation."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_private(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] not in rules.FRAMEWORKS:
        return False
    if parts[:2] == ["torch", "ops"]:
        return True
    return any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts[1:])


def _matches(dotted: str, table) -> str | None:
    for key in table:
        if dotted == key or (key.endswith(".") and dotted.startswith(key)):
            return key
    return None


class _Scopes:
    """Names bound in each scope, to tell the builtin ``eval`` from a submission's own ``eval``."""

    def __init__(self, tree: ast.Module):
        self.bound: dict[int, set[str]] = {}
        self._collect(tree)

    def _collect(self, scope) -> None:
        names: set[str] = set()
        self.bound[id(scope)] = names
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = scope.args
            for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg):
                if arg is not None:
                    names.add(arg.arg)
        body = scope.body if isinstance(scope.body, list) else [scope.body]
        stack = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                stack.extend(node.decorator_list)
                self._collect(node)
                continue
            if isinstance(node, ast.Lambda):
                self._collect(node)
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
            stack.extend(ast.iter_child_nodes(node))


class Scanner(ast.NodeVisitor):
    def __init__(self, file: str, source: str, own_modules: set[str]):
        self.file, self.source, self.own = file, source, own_modules
        self.aliases: dict[str, str] = {}
        self.flags: dict[tuple[int, str], Flag] = {}
        self.quiet: set[int] = set()   # node ids already judged (e.g. sys.modules[__name__])
        self.called: set[int] = set()  # node ids in call position
        self.stack: list = []
        self.scopes: _Scopes | None = None

    # ---- results --------------------------------------------------------
    def flag(self, node, kind: str, message: str) -> None:
        line = getattr(node, "lineno", 0)
        if (line, kind) in self.flags:
            return
        text = ast.get_source_segment(self.source, node) or ""
        text = (text.strip().splitlines() or [""])[0]
        text = text if len(text) <= 100 else text[:99] + "…"
        self.flags[(line, kind)] = Flag(self.file, line, kind, text, message)

    def run(self, tree: ast.Module) -> list[Flag]:
        self.scopes = _Scopes(tree)
        self._collect_aliases(tree)
        self.stack = [tree]
        self.generic_visit(tree)
        return sorted(self.flags.values(), key=lambda f: (f.line, f.kind))

    # ---- names ----------------------------------------------------------
    def _collect_aliases(self, tree: ast.Module) -> None:
        pairs = []  # m = F;  a, b = F, G;  for m in (F, G);  def f(m=F)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    pairs.extend(_pairs(t, node.value))
            elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, (ast.Tuple, ast.List)):
                pairs.extend((node.target, v) for v in node.iter.elts)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                a = node.args
                positional = [*a.posonlyargs, *a.args]
                pairs.extend((ast.Name(p.arg, ast.Store()), d)
                             for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults))
                pairs.extend((ast.Name(p.arg, ast.Store()), d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d)
        for _ in range(4):  # chains of aliases settle in a few rounds
            changed = False
            for target, value in pairs:
                if isinstance(target, ast.Name) and target.id not in self.aliases:
                    r = self.resolve(value)
                    if r is not None:
                        self.aliases[target.id] = r
                        changed = True
            if not changed:
                break

    def _builtin(self, name: str) -> bool:
        """True when ``name`` here is the builtin (no enclosing scope binds it)."""
        if name in self.aliases:
            return False
        for i, scope in enumerate(reversed(self.stack)):
            if isinstance(scope, ast.ClassDef) and i > 0:
                continue
            if name in self.scopes.bound.get(id(scope), ()):
                return False
        return True

    def resolve(self, node) -> str | None:
        """The dotted name ``node`` stands for when it is reached from an import or a builtin; else None."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in ("__builtins__",):
                return "builtins"
            if self.scopes is not None and node.id in _BUILTIN_NAMES and self._builtin(node.id):
                return f"builtins.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return None if base is None else f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            fn = self.resolve(node.func)
            if fn in rules.IMPORT_FUNCS or fn in ("importlib.reload", "inspect.getmodule"):
                name = fold(node.args[0]) if node.args else None
                if fn.endswith("import_module") and name:
                    return name
                return name.split(".")[0] if name else DYNAMIC
            if fn == "builtins.getattr" and len(node.args) >= 2:
                base, name = self.resolve(node.args[0]), fold(node.args[1])
                if base is not None and base != OWN:
                    return f"{base}.{name}" if name else DYNAMIC
            if fn in ("builtins.type", "builtins.vars") and len(node.args) == 1:
                return self.resolve(node.args[0])
            return None
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value)
            if base == "sys.modules":
                return OWN if _is_own_name(node.slice) else DYNAMIC
            if base and base.endswith(".__dict__"):
                name = fold(node.slice)
                return f"{base[:-9]}.{name}" if name else DYNAMIC
            if isinstance(node.value, ast.Call) and self.resolve(node.value.func) in ("builtins.globals",
                                                                                       "builtins.vars"):
                return DYNAMIC
        return None

    def foreign(self, node) -> str | None:
        """The resolved name of ``node`` when it is an outside module or reached from one."""
        r = self.resolve(node)
        if r is None or r == OWN or r.split(".")[0] in self.own:
            return None
        if r.startswith("builtins.") and r.split(".")[1] in _BUILTIN_NAMES:
            return None  # a builtin function itself (getattr(len, x) is not a module lookup)
        return r

    # ---- scopes ---------------------------------------------------------
    def _scoped(self, node):
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _scoped

    # ---- imports --------------------------------------------------------
    def _module(self, name: str, node) -> None:
        if _is_private(name):
            self.flag(node, "private-api", f"imports the private framework module {name}")
        hit = next((k for k in rules.IMPORT_KINDS if name == k or name.startswith(k + ".")), None)
        if hit:
            self.flag(node, rules.IMPORT_KINDS[hit], f"imports {name}: {rules.KINDS[rules.IMPORT_KINDS[hit]]}")
        self._reference(name, node, value_use=False)

    def visit_Import(self, node):
        for a in node.names:
            self._module(a.name, node)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._module(node.module, node)
            for a in node.names:
                if a.name != "*":
                    self._module(f"{node.module}.{a.name}", node)

    # ---- references -----------------------------------------------------
    def _reference(self, dotted: str, node, value_use: bool = True) -> None:
        """Checks for a resolved name, wherever it appears (called or passed around)."""
        if _is_private(dotted):
            self.flag(node, "private-api", f"uses the private framework entry point {dotted}")
        hit = _matches(dotted, rules.CALL_KINDS)
        if hit:
            self.flag(node, rules.CALL_KINDS[hit], f"uses {dotted}: {rules.KINDS[rules.CALL_KINDS[hit]]}")
        if _matches(dotted, rules.LOAD_FUNCS):
            self.flag(node, "computed-import", f"uses {dotted}: loads a module from a path or loader")
        if dotted.startswith("signal.") and dotted.split(".")[1] in rules.SIGNAL_FUNCS:
            self.flag(node, "signal", f"uses {dotted}: {rules.KINDS['signal']}")
        if dotted in ("sys.meta_path", "sys.path_hooks", "sys.path_importer_cache") or \
                dotted.startswith(("sys.meta_path.", "sys.path_hooks.")):
            self.flag(node, "import-hook", f"uses {dotted}: {rules.KINDS['import-hook']}")
        if (dotted == "sys.modules" or dotted.startswith("sys.modules.")) and id(node) not in self.quiet:
            self.flag(node, "reflection", "reads sys.modules: reaches loaded modules by name")
        if value_use and id(node) not in self.called:
            short = dotted.split(".", 1)[1] if dotted.startswith("builtins.") else None
            if short in rules.EXEC_BUILTINS:
                self.flag(node, "exec", f"passes the builtin {short} around: {rules.KINDS['exec']}")
            elif short in rules.ATTR_BUILTINS and short != "hasattr":
                self.flag(node, "computed-attribute", f"passes the builtin {short} around")
            elif short == "__import__" or dotted in ("importlib.import_module", "importlib.__import__"):
                self.flag(node, "computed-import", f"passes {dotted} around")

    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.flag(node, "reflection", "uses __builtins__: reaches the builtins module")
        r = self.resolve(node)
        if r is not None and isinstance(node.ctx, ast.Load):
            self._reference(r, node)

    def visit_Attribute(self, node):
        kind = rules.ATTR_KINDS.get(node.attr)
        if kind:
            self.flag(node, kind, f"uses .{node.attr}: {rules.KINDS[kind]}")
        if node.attr == "__dict__" and self.foreign(node.value):
            self.flag(node, "reflection", f"reads {self.foreign(node.value)}.__dict__: a module's namespace")
        r = self.resolve(node)
        if r is not None and isinstance(node.ctx, ast.Load):
            self._reference(r, node)
            self.quiet.update(id(n) for n in ast.walk(node.value))  # one flag for the whole chain
            if id(node) in self.called:
                self.called.update(id(n) for n in ast.walk(node.value))
        if id(node) in self.quiet:
            self.quiet.update(id(n) for n in ast.walk(node.value))
        self.generic_visit(node)

    def visit_Subscript(self, node):
        base = self.resolve(node.value)
        if base == "sys.modules" and _is_own_name(node.slice):
            self.quiet.update(id(n) for n in ast.walk(node.value))
        elif isinstance(node.value, ast.Call) and self.resolve(node.value.func) in (
                "builtins.globals", "builtins.locals", "builtins.vars") and literal(node.slice) is None:
            self.flag(node, "reflection", "looks a global up by a computed name")
        self.generic_visit(node)

    # ---- calls ----------------------------------------------------------
    def visit_Call(self, node):
        self.called.add(id(node.func))
        fn = self.resolve(node.func)
        if fn in rules.IMPORT_FUNCS and node.args and literal(node.args[0]) is None:
            value = fold(node.args[0])
            shown = f" (= {value!r})" if value is not None else ""
            self.flag(node, "computed-import", f"imports a module whose name is computed{shown}")
        if isinstance(node.func, ast.Attribute) and node.func.attr == "exec_module":
            self.flag(node, "computed-import", "runs a module loaded by a loader (exec_module)")
        if fn and fn.startswith("builtins.") and fn[9:] in rules.EXEC_BUILTINS:
            self.flag(node, "exec", f"calls the builtin {fn[9:]}: {rules.KINDS['exec']}")
        self._attribute_lookup(node, fn)
        self._writes_by_call(node)
        if fn == "builtins.vars" and node.args and self.foreign(node.args[0]):
            self.flag(node, "reflection", f"reads the namespace of {self.foreign(node.args[0])} (vars)")
        if fn in ("operator.attrgetter", "operator.methodcaller") and node.args and literal(node.args[0]) is None:
            self.flag(node, "computed-attribute", f"{fn} with a computed name")
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "__getitem__", "pop") and \
                isinstance(node.func.value, ast.Call) and self.resolve(node.func.value.func) in (
                    "builtins.globals", "builtins.locals", "builtins.vars") and node.args \
                and literal(node.args[0]) is None:
            self.flag(node, "reflection", "looks a global up by a computed name")
        for kw in node.keywords:
            if kw.arg == "allow_pickle" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                self.flag(node, "code-from-data", "loads with allow_pickle=True: pickled objects run code")
            elif kw.arg and kw.arg.startswith("co_"):
                self.flag(node, "code-from-data", f"builds a code object ({kw.arg}=...)")
        self.generic_visit(node)

    def _attribute_lookup(self, node, fn: str | None) -> None:
        """getattr/setattr/delattr/hasattr and the dunder forms, on an outside module."""
        name_node = target = None
        write = False
        if fn and fn.startswith("builtins.") and fn[9:] in rules.ATTR_BUILTINS:
            if len(node.args) >= 2:
                target, name_node = node.args[0], node.args[1]
                write = fn[9:] in rules.WRITE_ATTR
        elif fn == "inspect.getattr_static" and len(node.args) >= 2:
            target, name_node = node.args[0], node.args[1]
        elif isinstance(node.func, ast.Attribute) and node.func.attr in rules.ATTR_DUNDERS:
            bound = rules.ATTR_DUNDERS[node.func.attr]
            write = node.func.attr in rules.WRITE_ATTR
            if len(node.args) > bound:  # object.__setattr__(obj, name, value)
                target, name_node = node.args[0], node.args[1]
            elif node.args:
                target, name_node = node.func.value, node.args[0]
        if target is None:
            return
        where = self.foreign(target)
        if where is None:
            return
        name = literal(name_node)
        if write:
            self._patch(node, where, name if name is not None else "<computed>")
        elif name is None:
            value = fold(name_node)
            shown = f" (= {value!r})" if value is not None else ""
            self.flag(node, "computed-attribute", f"looks up {where}.<computed>{shown}: the name is hidden")
        else:
            self._reference(f"{where}.{name}", node)

    def _writes_by_call(self, node) -> None:
        """os.environ.update(...), sys.path.insert(...), sys.modules.pop(...), X.__dict__.update(...)."""
        if not isinstance(node.func, ast.Attribute):
            return
        base, method = self.resolve(node.func.value), node.func.attr
        if base is None:
            return
        if base == "os.environ" and method in rules.DICT_WRITES:
            self.flag(node, "environ", f"os.environ.{method}: changes environment variables")
        elif base == "sys.path" and method in rules.LIST_WRITES:
            self.flag(node, "import-hook", f"sys.path.{method}: changes where imports are found")
        elif base == "sys.modules" and method in rules.DICT_WRITES:
            self.quiet.update(id(n) for n in ast.walk(node.func.value))
            self.flag(node, "patching", f"sys.modules.{method}: replaces loaded modules")
        elif base.endswith(".__dict__") and method in rules.DICT_WRITES and self.foreign(node.func.value.value):
            self._patch(node, base[:-9], "<many>")

    # ---- writes ---------------------------------------------------------
    def _patch(self, node, where: str, name: str) -> None:
        full = f"{where}.{name}"
        if full.startswith(rules.SETTINGS):
            return
        if where == "os" and name == "environ":
            self.flag(node, "environ", "replaces os.environ")
        elif where == "sys" and name in ("path", "meta_path", "path_hooks"):
            self.flag(node, "import-hook", f"replaces sys.{name}")
        elif where.split(".")[0] == "builtins":
            self.flag(node, "patching", f"writes builtins ({full}): changes every module's builtins")
        else:
            self.flag(node, "patching", f"replaces {full}: patches a loaded module")

    def _target(self, t, node) -> None:
        if isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self._target(e, node)
        elif isinstance(t, ast.Starred):
            self._target(t.value, node)
        elif isinstance(t, ast.Attribute):
            where = self.foreign(t.value)
            if where:
                self._patch(node, where, t.attr)
        elif isinstance(t, ast.Subscript):
            base = self.resolve(t.value)
            key = literal(t.slice)
            if base == "os.environ":
                self.flag(node, "environ", "writes os.environ: changes environment variables")
            elif base == "sys.modules":
                self.quiet.update(id(n) for n in ast.walk(t.value))
                self.flag(node, "patching", "writes sys.modules: replaces loaded modules")
            elif base == "sys.path":
                self.flag(node, "import-hook", "writes sys.path: changes where imports are found")
            elif base and base.endswith(".__dict__") and self.foreign(t.value.value):
                self._patch(node, base[:-9], key or "<computed>")
            elif isinstance(t.value, ast.Call) and self.resolve(t.value.func) == "builtins.vars" \
                    and t.value.args and self.foreign(t.value.args[0]):
                self._patch(node, self.foreign(t.value.args[0]), key or "<computed>")
            elif base == "builtins":  # __builtins__[...] = ...
                self._patch(node, "builtins", key or "<computed>")

    def visit_Assign(self, node):
        for t in node.targets:
            self._target(t, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self._target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._target(t, node)
        self.generic_visit(node)


_BUILTIN_NAMES = {"exec", "eval", "compile", "__import__", "getattr", "setattr", "delattr", "hasattr",
                  "globals", "locals", "vars", "type"}


def _is_own_name(node) -> bool:
    return isinstance(node, ast.Name) and node.id == "__name__"


def _pairs(target, value):
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts):
        for t, v in zip(target.elts, value.elts):
            yield from _pairs(t, v)
    elif isinstance(target, ast.Name):
        yield target, value
