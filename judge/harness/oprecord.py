"""Which torch operations ran, seen at the top of torch's dispatcher (runs inside the sandbox).

Mechanism: the Kineto profiler with ``profile_all_threads``. It registers a *global*
RecordFunction callback, which the dispatcher runs for every operator call on every
thread, before the operator decomposes: composite ops (``aten::scaled_dot_product_attention``,
``aten::linear``, ``aten::layer_norm``) are seen under their own name, whatever
Python path called them (``getattr``, ``torch.ops.aten.X``, another thread,
``no_grad``). A ``TorchDispatchMode`` would sit below autograd and see only the
decomposed ops. Python-level entry points that reach the dispatcher as plain ops
(``F.multi_head_attention_forward``, ``DistributedSampler``) are marked: the harness
swaps their code for a copy that opens a RecordFunction named ``py::<qualified name>``.

The run is cut into segments (each test's call phase, and what runs between calls:
imports, fixtures). Every segment starts and ends with a canary RecordFunction whose
name carries a fresh nonce; a segment whose canaries are missing had its recorder
stopped, replaced or suspended. The Python switches that stop or bypass recording
(``_disable_profiler``, ``_enable_record_function``, ``redispatch``) are replaced by
wrappers that refuse and note the attempt; the originals are kept here only.

Forked children (the ddp suite's ranks) keep the global callback; at ``os._exit`` or
interpreter exit a child writes the forbidden ops it saw to ``<out>/oprecord/``.

Imports nothing from the judge; torch is imported only when the recorder starts.
"""
from __future__ import annotations

import atexit
import json
import os
import secrets
import signal
import sys
import threading
import types

CANARY = "mljudge::canary"
MAX_NOTES = 20

_GUARDED_AUTOGRAD = (
    "_enable_profiler", "_disable_profiler", "_prepare_profiler", "_enable_record_function",
    "_toggle_collection_dynamic", "_enable_profiler_legacy", "_disable_profiler_legacy",
    "_set_empty_test_observer",
)


def _matcher(forbidden: dict[str, list[str]]):
    exact: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    for call, ops in forbidden.items():
        for op in ops:
            if op.endswith("*"):
                prefixes.append((op[:-1], call))
            else:
                exact.setdefault(op, call)

    def match(name: str) -> str | None:
        call = exact.get(name)
        if call is None:
            for pre, c in prefixes:
                if name.startswith(pre):
                    return c
        return call

    return match


class OpRecorder:
    def __init__(self, forbidden: dict[str, list[str]], out_dir: str | None = None):
        import torch
        from torch._C import _autograd as ag
        from torch._C._profiler import (ProfilerActivity, ProfilerConfig, ProfilerState, RecordScope,
                                        _ExperimentalConfig)

        self.torch = torch
        self.forbidden = forbidden
        self.match = _matcher(forbidden)
        self.out_dir = out_dir
        self._ag = ag
        self._orig = {n: getattr(ag, n) for n in _GUARDED_AUTOGRAD if hasattr(ag, n)}
        self._acts = {ProfilerActivity.CPU}
        # operators and user scopes (the canaries, py:: marks); not the autograd engine's nodes
        self._scopes = {RecordScope.FUNCTION, RecordScope.USER_SCOPE}
        self._config = lambda: ProfilerConfig(
            ProfilerState.KINETO, False, False, False, False, False,
            _ExperimentalConfig(profile_all_threads=True))
        self._rf_enter = torch._C._autograd._record_function_with_args_enter
        self._rf_exit = torch._C._autograd._record_function_with_args_exit
        self.tamper: list[str] = []
        self._wrappers: dict[str, object] = {}
        self._class_patches: list[tuple[type, str, object]] = []
        self._py_marks: list[tuple[types.FunctionType, types.CodeType]] = []
        self.unresolved: list[str] = []  # py:: entries that name no Python function
        self._nonce = ""
        self._lock = threading.Lock()
        self.current = ""  # the test whose call phase is running (children inherit it)
        self.running = False

    # ---- life cycle -----------------------------------------------------
    def start(self) -> None:
        self._guard()
        self._mark_python_calls()
        self._begin()
        os.register_at_fork(after_in_child=self._after_fork)

    def _begin(self) -> None:
        with _quiet():
            self._orig["_prepare_profiler"](self._config(), self._acts)
            self._orig["_enable_profiler"](self._config(), self._acts, self._scopes)
        self.running = True
        self._nonce = secrets.token_hex(8)
        self._canary("start")

    def _canary(self, where: str) -> None:
        handle = self._rf_enter(f"{CANARY}:{where}:{self._nonce}")
        self._rf_exit(handle)

    def cut(self) -> dict:
        """End the current segment, start the next; report the segment. The per-test
        timeout (SIGALRM) waits until both are done, so it cannot leave the recorder off."""
        with self._lock, _alarm_held():
            report = self._end()
            self._begin()
        return report

    def stop(self) -> dict:
        with self._lock, _alarm_held():
            return self._end()

    def _end(self) -> dict:
        notes: list[str] = []
        names: set[str] = set()
        if not self.running:
            return {"ops": {}, "intact": False, "notes": ["the recorder was not running"]}
        self.running = False
        self._canary("end")
        try:
            with _quiet():
                result = self._orig["_disable_profiler"]()
            names = {e.name() for e in result.events()}
        except Exception as exc:  # noqa: BLE001 - stopped by someone else, or replaced
            notes.append(f"the profiler could not be read: {type(exc).__name__}")
        for where in ("start", "end"):
            if f"{CANARY}:{where}:{self._nonce}" not in names:
                notes.append(f"the {where} canary was not recorded (recording was stopped or suspended)")
                break
        notes.extend(self._check_hooks())
        if self.tamper:
            notes.extend(self.tamper[:MAX_NOTES])
            self.tamper.clear()
        ops = {}
        for name in names:
            call = self.match(name)
            if call is not None:
                ops[name] = call
        return {"ops": ops, "intact": not notes, "notes": notes[:MAX_NOTES]}

    # ---- guards -----------------------------------------------------------
    def _refuse(self, label: str):
        tamper = self.tamper

        def refused(*args, **kwargs):
            if len(tamper) < MAX_NOTES:
                tamper.append(f"{label} was called")
            raise RuntimeError(f"{label} is not available while the judge records operations")

        refused.__name__ = label.rsplit(".", 1)[-1]
        return refused

    def _guard(self) -> None:
        for name, orig in self._orig.items():
            wrapper = self._refuse(f"torch._C._autograd.{name}")
            self._wrappers[name] = wrapper
            setattr(self._ag, name, wrapper)
            for mod in list(sys.modules.values()):
                d = getattr(mod, "__dict__", None)
                if not isinstance(d, dict):
                    continue
                for key, val in list(d.items()):
                    if val is orig:
                        d[key] = wrapper
        torch = self.torch
        for cls, attr, label in ((torch._ops.OpOverload, "redispatch", "OpOverload.redispatch"),
                                 (torch._C._DispatchOperatorHandle, "redispatch_boxed",
                                  "_DispatchOperatorHandle.redispatch_boxed")):
            if hasattr(cls, attr):
                wrapper = self._refuse(label)
                setattr(cls, attr, wrapper)
                self._class_patches.append((cls, attr, wrapper))

    def _check_hooks(self) -> list[str]:
        notes = []
        for name, wrapper in self._wrappers.items():
            if getattr(self._ag, name, None) is not wrapper:
                notes.append(f"torch._C._autograd.{name} was replaced")
        for cls, attr, wrapper in self._class_patches:
            if cls.__dict__.get(attr) is not wrapper:
                notes.append(f"{cls.__name__}.{attr} was replaced")
        for fn, code in self._py_marks:
            if fn.__code__ is not code:
                notes.append(f"{fn.__module__}.{fn.__qualname__} was unmarked")
        return notes

    # ---- Python entry points -------------------------------------------------
    def _mark_python_calls(self) -> None:
        """For ``py::module.attr`` entries: open a RecordFunction named after the entry
        whenever that function (for a class: its ``__init__``) runs, however it was
        reached: the function object itself gets the marking code."""
        for ops in self.forbidden.values():
            for op in ops:
                if op.startswith("py::"):
                    fn = _resolve(op[4:])
                    if isinstance(fn, type):
                        fn = fn.__dict__.get("__init__")
                    if not isinstance(fn, types.FunctionType):
                        self.unresolved.append(op)
                    elif all(fn is not f for f, _ in self._py_marks):
                        self._mark(fn, op)

    def _mark(self, fn: types.FunctionType, label: str) -> None:
        inner = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
        inner.__kwdefaults__ = fn.__kwdefaults__
        key = f"__mljudge_mark_{len(self._py_marks)}"
        fn.__globals__[key] = (inner, self._rf_enter, self._rf_exit, label)
        free = fn.__code__.co_freevars  # e.g. __class__ (super()): the new code keeps the same cells
        src = "def _outer():\n"
        src += "".join(f"    {v} = None\n" for v in free)
        src += (
            f"    def {fn.__name__}(*args, **kwargs):\n"
            f"        ({', '.join(free)}{',' if free else ''})\n"
            f"        inner, enter, exit_, label = {key}\n"
            f"        handle = enter(label)\n"
            f"        try:\n"
            f"            return inner(*args, **kwargs)\n"
            f"        finally:\n"
            f"            exit_(handle)\n"
            f"    return {fn.__name__}\n"
        )
        ns: dict = {}
        exec(compile(src, f"<mljudge mark {label}>", "exec"), fn.__globals__, ns)  # noqa: S102
        code = ns["_outer"]().__code__
        fn.__code__ = code.replace(co_freevars=free) if code.co_freevars != free else code
        fn.__defaults__ = None
        fn.__kwdefaults__ = None
        self._py_marks.append((fn, fn.__code__))

    # ---- forked children ---------------------------------------------------
    def _after_fork(self) -> None:
        """In a forked child: the global callback and profiler state came along; report
        what the child ran when it ends (``os._exit`` or a normal exit)."""
        self._lock = threading.Lock()
        real_exit = os._exit
        done = []

        def flush():
            if done or self.out_dir is None:
                return
            done.append(1)
            try:
                report = self.stop()
                folder = os.path.join(self.out_dir, "oprecord")
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, f"child-{os.getpid()}.json")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(json.dumps({"test": self.current, **report}))
            except Exception:  # noqa: BLE001 - a child must still exit
                pass

        def exit_(code):
            flush()
            real_exit(code)

        os._exit = exit_
        atexit.register(flush)

    def child_reports(self, test: str) -> list[dict]:
        """Reports written by forked children (removed once read)."""
        if self.out_dir is None:
            return []
        folder = os.path.join(self.out_dir, "oprecord")
        found = []
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return []
        for name in names[:256]:
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.loads(fh.read(1 << 20))
                os.remove(path)
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                found.append(data)
        return found


class _alarm_held:
    def __enter__(self):
        self.main = threading.current_thread() is threading.main_thread()
        if self.main:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})

    def __exit__(self, *exc):
        if self.main:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
        return False


class _quiet:
    """Kineto logs a line to stderr at every start and stop: send fd 2 to /dev/null
    meanwhile (the capped output is the submission's)."""

    def __enter__(self):
        try:
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        self.saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)
        return False


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        mod = sys.modules.get(".".join(parts[:i]))
        if mod is None:
            try:
                mod = __import__(".".join(parts[:i]), fromlist=["_"])
            except Exception:  # noqa: BLE001
                continue
        obj = mod
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def load_spec(text: str | None) -> dict[str, list[str]]:
    """The forbidden ops given on the command line (JSON: call -> [op, ...])."""
    if not text:
        return {}
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("forbidden ops must be a JSON object")
    return {str(k): [str(o) for o in v] for k, v in data.items() if isinstance(v, list)}
