"""Compare one candidate value with the reference value, outside the sandbox.

``|c - r| <= atol + rtol * |r|`` elementwise, with the tolerance from the
reference run. Shapes must be equal and dtype kinds must agree (signed and
unsigned integers count as one kind). NaN matches only where the reference has
NaN; an infinity only the same infinity.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KIND_GROUP = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex", "U": "str"}


@dataclass
class CheckResult:
    name: str
    status: str  # match | mismatch | missing
    reason: str = ""
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    rtol: float = 0.0
    atol: float = 0.0
    mismatched: int = 0  # elements out of tolerance
    size: int = 0

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}


def _kind(arr: np.ndarray) -> str:
    return KIND_GROUP.get(arr.dtype.kind, arr.dtype.kind)


def compare(name: str, ref: np.ndarray, cand: np.ndarray | None, rtol: float, atol: float) -> CheckResult:
    res = CheckResult(name=name, status="match", rtol=float(rtol), atol=float(atol), size=int(ref.size))
    if cand is None:
        res.status, res.reason = "missing", "not recorded by the submission"
        return res
    if ref.shape != cand.shape:
        res.status, res.reason = "mismatch", f"shape {list(cand.shape)}, expected {list(ref.shape)}"
        return res
    if _kind(ref) != _kind(cand):
        res.status, res.reason = "mismatch", f"dtype {cand.dtype} is {_kind(cand)}, expected {_kind(ref)}"
        return res
    if ref.size == 0:
        return res
    if _kind(ref) in ("bool", "str"):
        bad = ref != cand
        res.mismatched = int(np.count_nonzero(bad))
        if res.mismatched:
            res.status, res.reason = "mismatch", f"{res.mismatched} of {ref.size} values differ"
        return res
    r = ref.astype(np.complex128 if _kind(ref) == "complex" else np.float64)
    c = cand.astype(r.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        r_nan, c_nan = np.isnan(r), np.isnan(c)
        r_inf, c_inf = np.isinf(r), np.isinf(c)
        finite = ~(r_nan | c_nan | r_inf | c_inf)
        diff = np.abs(c - r)
        ok = np.zeros(r.shape, dtype=bool)
        ok[finite] = diff[finite] <= atol + rtol * np.abs(r[finite])
        ok |= r_nan & c_nan
        ok |= r_inf & c_inf & (r == c)
        if finite.any():
            res.max_abs_err = float(np.max(diff[finite]))
            nz = finite & (r != 0)
            if nz.any():
                res.max_rel_err = float(np.max(diff[nz] / np.abs(r[nz])))
    res.mismatched = int(r.size - np.count_nonzero(ok))
    if res.mismatched:
        res.status = "mismatch"
        nonfinite = int(np.count_nonzero(~finite & ~ok))
        res.reason = f"{res.mismatched} of {r.size} values out of tolerance"
        if nonfinite:
            res.reason += f" ({nonfinite} NaN/inf where the reference differs)"
    return res
