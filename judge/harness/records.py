"""Turn values recorded with ``check`` into plain numpy arrays and save them.

Runs inside the sandbox. Imports nothing from the judge; torch and TensorFlow
are only touched when the value already is one of their objects.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

MAX_ELEMENTS = 20_000_000  # one check may not record more than this


class RecordError(ValueError):
    """A value ``check`` cannot record."""


def to_numpy(value):
    """Convert one leaf value to a numpy array (no pickling, no object dtype)."""
    mod = type(value).__module__ or ""
    if mod.startswith("torch") and hasattr(value, "detach"):
        t = value.detach().cpu()
        if str(t.dtype) in ("torch.bfloat16", "torch.float16"):
            t = t.float()
        return np.asarray(t.numpy())
    if (mod.startswith("tensorflow") or mod.startswith("keras")) and hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    if isinstance(value, (bool, np.bool_)):
        return np.asarray(bool(value))
    if isinstance(value, numbers.Integral):
        return np.asarray(int(value), dtype=np.int64)
    if isinstance(value, numbers.Real):
        return np.asarray(float(value), dtype=np.float64)
    if isinstance(value, numbers.Complex):
        return np.asarray(complex(value), dtype=np.complex128)
    if isinstance(value, str):
        return np.asarray(value)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return np.asarray(value)
    raise RecordError(f"cannot record a value of type {type(value).__name__}")


def flatten(name: str, value):
    """Yield (path, leaf) pairs: dicts become name/key, lists and tuples name[i]."""
    if isinstance(value, dict):
        if not value:
            yield name, np.zeros((0,))
        for key in sorted(value, key=str):
            yield from flatten(f"{name}/{key}", value[key])
    elif isinstance(value, (list, tuple)) and not _is_numeric_sequence(value):
        if not value:
            yield name, np.zeros((0,))
        for i, item in enumerate(value):
            yield from flatten(f"{name}[{i}]", item)
    else:
        yield name, value


def _is_numeric_sequence(value) -> bool:
    """A (nested) list of plain numbers is recorded as one array."""
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    return arr.dtype.kind in "biufc" and arr.dtype != object


def leaf_array(value) -> np.ndarray:
    if isinstance(value, (list, tuple)):
        arr = np.asarray(value)
    else:
        arr = to_numpy(value)
    if arr.dtype == object or arr.dtype.kind not in "biufcU":
        raise RecordError(f"cannot record dtype {arr.dtype}")
    if arr.size > MAX_ELEMENTS:
        raise RecordError(f"value has {arr.size} elements; the cap is {MAX_ELEMENTS}")
    return arr


def describe(arr: np.ndarray) -> dict:
    return {"dtype": str(arr.dtype), "kind": arr.dtype.kind, "shape": list(arr.shape)}


def finite_float(x: float) -> float:
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) or x < 0:
        raise RecordError(f"tolerance must be a finite number >= 0, got {x!r}")
    return float(x)
