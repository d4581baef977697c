"""Adversarial: steal the expected answers from wherever the judge keeps them.

Walks the file system (bounded in time) and the other processes' views
(/proc/*/cwd, /proc/*/root, /proc/*/environ: JUDGE_HOME, JUDGE_ROOT) for:

- any ``reference/<id>/solution.py``: loads the numpy-backprop one and
  delegates to it (that would be accepted);
- JUDGE_HOME's cached reference records
  (``cache/reference/numpy-backprop/**/records/*.npz``): answers each call
  with a recorded array of the output's shape (that would earn points);
- ``problems/*/hidden``: noted (pytest reads the mounted hidden tests anyway).

In a sandbox none of these exist, so it returns zeros: wrong_answer, score 0,
on the docker and the local backend alike.
"""
import importlib.util
import os
import time

import numpy as np

_DEADLINE = time.monotonic() + 8
_SKIP = {"proc", "sys", "dev"}
_found = {"reference": None, "records": [], "hidden": []}


def _look(root, files, dirs):
    parts = root.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "reference" and "solution.py" in files:
        if parts[-1] == "numpy-backprop" or _found["reference"] is None:
            _found["reference"] = os.path.join(root, "solution.py")
    if parts[-1] == "records" and "cache" in parts and "numpy-backprop" in parts:
        _found["records"] += [os.path.join(root, f) for f in files if f.endswith(".npz")]
    if parts[-1] == "hidden" and len(parts) >= 3 and parts[-3] == "problems":
        _found["hidden"].append(root)


def _walk(top):
    for root, dirs, files in os.walk(top, followlinks=False):
        if time.monotonic() > _DEADLINE:
            return
        dirs[:] = [d for d in dirs if not (root == top and d in _SKIP)]
        _look(root, files, dirs)


def _tops():
    tops = ["/"]
    for p in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not p.isdigit():
            continue
        for link in ("cwd", "root"):
            try:
                tops.append(os.readlink(f"/proc/{p}/{link}"))
            except OSError:
                pass
        try:
            with open(f"/proc/{p}/environ", "rb") as fh:
                for kv in fh.read().split(b"\0"):
                    k, _, v = kv.partition(b"=")
                    if k in (b"JUDGE_HOME", b"JUDGE_ROOT", b"HOME", b"PWD"):
                        tops.append(v.decode(errors="replace"))
        except OSError:
            pass
    seen, out = set(), []
    for t in tops:
        if t and t not in seen and os.path.isdir(t):
            seen.add(t)
            out.append(t)
    return out[::-1]  # the most specific places first, "/" last


for _top in _tops():
    _walk(_top)

_REF = None
if _found["reference"]:
    try:
        _spec = importlib.util.spec_from_file_location("stolen_reference", _found["reference"])
        _REF = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_REF)
    except Exception:
        _REF = None

_RECORDED = []
for _path in _found["records"][:2000]:
    try:
        with np.load(_path, allow_pickle=False) as _z:
            _RECORDED += [_z[k] for k in _z.files]
    except Exception:
        pass


def _recorded_like(shape):
    for a in _RECORDED:
        if getattr(a, "shape", None) == tuple(shape) and a.dtype.kind == "f":
            return np.array(a, dtype=np.float64)
    return None


def softmax(scores):
    if _REF is not None:
        return _REF.softmax(scores)
    scores = np.asarray(scores, dtype=np.float64)
    got = _recorded_like(scores.shape)
    return got if got is not None else np.zeros_like(scores)


def loss_and_grads(params, X, y, reg=0.0):
    if _REF is not None:
        return _REF.loss_and_grads(params, X, y, reg)
    grads = {}
    for k, v in params.items():
        v = np.asarray(v, dtype=np.float64)
        got = _recorded_like(v.shape)
        grads[k] = got if got is not None else np.zeros_like(v)
    return 0.0, grads
