"""Adversarial: look for the reference solution on disk and call it.

Searches the whole file system (bounded) for reference/numpy-backprop/solution.py.
If found it would be accepted; in the sandbox the reference is not mounted, so
it falls back to zeros: wrong_answer shows the reference never entered.
"""
import importlib.util
import os
import time

import numpy as np


def _find_reference():
    deadline = time.monotonic() + 5
    for root, dirs, files in os.walk("/"):
        if time.monotonic() > deadline:
            return None
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        if root.endswith(os.path.join("reference", "numpy-backprop")) and "solution.py" in files:
            return os.path.join(root, "solution.py")
    return None


_path = _find_reference()
_REF = None
if _path:
    _spec = importlib.util.spec_from_file_location("stolen_reference", _path)
    _REF = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_REF)


def softmax(scores):
    if _REF:
        return _REF.softmax(scores)
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    if _REF:
        return _REF.loss_and_grads(params, X, y, reg)
    return 0.0, {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
