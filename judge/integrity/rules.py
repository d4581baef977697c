"""What the integrity pass looks for: the kinds of flag and the names behind each.

Names are full dotted names after import aliases are resolved
(``import numpy as np`` then ``np.allclose`` is ``numpy.allclose``).
"""
from __future__ import annotations

# kind → what it means, for the reports and the docs
KINDS = {
    "computed-import": "imports a module whose name is computed, or loads a module from a path",
    "computed-attribute": "looks up an attribute of a library module by a computed name",
    "exec": "runs code from a string (exec, eval, compile)",
    "code-from-data": "builds code or objects from data (marshal, pickle, code objects)",
    "reflection": "reaches loaded modules or functions through reflection",
    "native-code": "calls native code directly (ctypes, cffi)",
    "introspection": "inspects call frames or the garbage collector's objects",
    "private-api": "uses a private framework entry point",
    "patching": "replaces attributes of a loaded module, builtins or sys.modules",
    "test-tools": "reaches the test tools (pytest internals, the harness, mocking)",
    "environ": "changes environment variables",
    "signal": "installs signal handlers or timers",
    "tracing": "installs a trace, profile or audit hook",
    "import-hook": "changes how imports are found (sys.path, meta_path, path hooks)",
    "unreadable": "is nested too deeply for the static pass to read",
}

# builtins that run code from strings
EXEC_BUILTINS = {"exec", "eval", "compile"}
# builtins that look attributes up by name: (name argument index, target index) for the plain call
ATTR_BUILTINS = {"getattr": (1, 0), "setattr": (1, 0), "delattr": (1, 0), "hasattr": (1, 0)}
# dunder methods that look attributes up: name index when called bound / unbound
ATTR_DUNDERS = {"__getattribute__": 1, "__getattr__": 1, "__setattr__": 2, "__delattr__": 1}
WRITE_ATTR = {"setattr", "delattr", "__setattr__", "__delattr__"}

# functions whose first argument names a module to import
IMPORT_FUNCS = {"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"}
# calls (or prefixes, ending with ".") that load code from a path or by a name given at run time
LOAD_FUNCS = ("importlib.util.spec_from_file_location", "importlib.util.module_from_spec",
              "importlib.util.spec_from_loader", "importlib.machinery.", "importlib.reload", "imp.",
              "runpy.", "zipimport.", "pkgutil.get_loader", "pkgutil.find_loader")
CALL_KINDS = {
    # exec
    "builtins.exec": "exec", "builtins.eval": "exec", "builtins.compile": "exec",
    "code.": "exec", "codeop.": "exec",
    # code and objects from data
    "marshal.loads": "code-from-data", "marshal.load": "code-from-data",
    "pickle.loads": "code-from-data", "pickle.load": "code-from-data", "pickle.Unpickler": "code-from-data",
    "_pickle.": "code-from-data", "cPickle.": "code-from-data", "dill.": "code-from-data",
    "cloudpickle.": "code-from-data", "shelve.": "code-from-data",
    "types.FunctionType": "code-from-data", "types.LambdaType": "code-from-data",
    "types.CodeType": "code-from-data",
    # frames and the garbage collector
    "sys._getframe": "introspection", "sys._current_frames": "introspection",
    "inspect.currentframe": "introspection", "inspect.stack": "introspection",
    "inspect.getouterframes": "introspection", "inspect.getinnerframes": "introspection",
    "inspect.trace": "introspection", "inspect.getframeinfo": "introspection",
    "inspect.getmembers": "reflection", "inspect.getmodule": "reflection",
    "gc.get_objects": "introspection", "gc.get_referrers": "introspection",
    "gc.get_referents": "introspection", "gc.callbacks": "introspection",
    # tracing and hooks
    "sys.settrace": "tracing", "sys.setprofile": "tracing", "sys.addaudithook": "tracing",
    "sys.monitoring.": "tracing", "threading.settrace": "tracing", "threading.setprofile": "tracing",
    "threading.settrace_all_threads": "tracing", "threading.setprofile_all_threads": "tracing",
    # environment
    "os.putenv": "environ", "os.unsetenv": "environ",
    # test tools
    "pytest.MonkeyPatch": "test-tools", "_pytest.": "test-tools", "unittest.mock.": "test-tools",
    "mock.patch": "test-tools", "mljudge_harness.": "test-tools",
    # private framework entry points
    "torch.ops.": "private-api",
}
# signal: any function of the module (its constants, e.g. signal.SIGKILL, are fine)
SIGNAL_FUNCS = {"signal", "alarm", "setitimer", "siginterrupt", "set_wakeup_fd", "pthread_sigmask",
                "pthread_kill", "sigwait", "sigwaitinfo", "sigtimedwait", "pause", "raise_signal"}

# modules whose import alone is flagged
IMPORT_KINDS = {
    "ctypes": "native-code", "_ctypes": "native-code", "cffi": "native-code", "_cffi_backend": "native-code",
    "_pytest": "test-tools", "pluggy": "test-tools", "mljudge_harness": "test-tools", "conftest": "test-tools",
    "unittest.mock": "test-tools", "mock": "test-tools", "marshal": "code-from-data", "dill": "code-from-data",
    "cloudpickle": "code-from-data",
}

# attributes flagged wherever they are read
ATTR_KINDS = {
    "__subclasses__": "reflection", "__globals__": "reflection", "__builtins__": "reflection",
    "__code__": "reflection", "__closure__": "reflection", "__self__": "reflection",
    "func_globals": "reflection",
    "f_back": "introspection", "f_globals": "introspection", "f_locals": "introspection",
    "f_builtins": "introspection", "tb_frame": "introspection", "gi_frame": "introspection",
    "cr_frame": "introspection", "ag_frame": "introspection",
}

# frameworks whose underscore-prefixed names are private entry points
FRAMEWORKS = {"numpy", "torch", "tensorflow", "keras", "tf_keras", "jax", "jaxlib"}
# assignments to these framework settings are configuration, not patching
SETTINGS = ("torch.backends.",)

# dict methods that write
DICT_WRITES = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}
LIST_WRITES = {"append", "insert", "extend", "remove", "pop", "clear", "__setitem__", "__delitem__",
               "__iadd__", "reverse", "sort"}
