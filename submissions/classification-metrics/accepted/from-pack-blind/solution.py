"""classification-metrics: confusion matrix, precision / recall / F1, ROC curve and
AUC, average precision. NumPy only."""
import numbers

import numpy as np

_AVERAGES = (None, "binary", "macro", "micro", "weighted")


def _as_labels(a, name):
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.dtype == bool:
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.floating) and arr.size and np.all(np.isfinite(arr)) \
            and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    if arr.size == 0:
        return arr.astype(np.int64)
    raise ValueError(f"{name} must hold integer class labels")


def _check_n_classes(n_classes):
    if n_classes is None:
        return None
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise ValueError(f"n_classes must be an integer, got {n_classes!r}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    return int(n_classes)


def _check_pair(y_true, y_pred, n_classes):
    t = _as_labels(y_true, "y_true")
    p = _as_labels(y_pred, "y_pred")
    if t.shape[0] != p.shape[0]:
        raise ValueError("y_true and y_pred have different lengths")
    if t.shape[0] == 0:
        raise ValueError("empty input")
    if t.min() < 0 or p.min() < 0:
        raise ValueError("negative label")
    k = _check_n_classes(n_classes)
    top = max(int(t.max()), int(p.max()))
    if k is not None and top >= k:
        raise ValueError(f"label {top} >= n_classes={k}")
    return t, p, (k if k is not None else top + 1)


def _confusion(t, p, k):
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def confusion_matrix(y_true, y_pred, n_classes=None):
    """int64 (K, K) counts: rows are true classes, columns predicted classes."""
    t, p, k = _check_pair(y_true, y_pred, n_classes)
    return _confusion(t, p, k)


def _ratio(num, den, zero_division):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, float(zero_division), dtype=np.float64)
    ok = den > 0
    np.divide(num, den, out=out, where=ok)
    return out


def _prf(tp, fp, fn, zero_division):
    precision = _ratio(tp, tp + fp, zero_division)
    recall = _ratio(tp, tp + fn, zero_division)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn, zero_division)   # tp = 0, fp + fn > 0 -> 0.0
    return precision, recall, f1


def precision_recall_f1(y_true, y_pred, average="macro", n_classes=None, zero_division=0.0):
    """(precision, recall, f1): floats, or float64 (K,) arrays when average is None."""
    if not any(average is a or (isinstance(average, str) and average == a) for a in _AVERAGES):
        raise ValueError(f"unknown average {average!r}")
    t, p, k = _check_pair(y_true, y_pred, n_classes)
    if average == "binary":
        if n_classes is not None and n_classes != 2:
            raise ValueError("average='binary' needs n_classes None or 2")
        if max(int(t.max()), int(p.max())) > 1:
            raise ValueError("average='binary' needs labels 0 and 1 only")
        k = 2
    cm = _confusion(t, p, k)
    tp = np.diag(cm).astype(np.int64)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    support = tp + fn

    if average == "micro":
        pr, rc, f = _prf(tp.sum(), fp.sum(), fn.sum(), zero_division)
        return float(pr), float(rc), float(f)

    pr, rc, f = _prf(tp, fp, fn, zero_division)
    if average is None:
        return pr, rc, f
    if average == "binary":
        return float(pr[1]), float(rc[1]), float(f[1])
    if average == "macro":
        return float(pr.mean()), float(rc.mean()), float(f.mean())
    # weighted
    w = support.astype(np.float64)
    total = w.sum()          # = n >= 1
    return (float((pr * w).sum() / total), float((rc * w).sum() / total),
            float((f * w).sum() / total))


def _check_binary_scores(y_true, y_score, need_negative):
    t = _as_labels(y_true, "y_true")
    s = np.asarray(y_score)
    if s.ndim != 1:
        raise ValueError("y_score must be 1-D")
    if t.shape[0] != s.shape[0]:
        raise ValueError("y_true and y_score have different lengths")
    if t.shape[0] == 0:
        raise ValueError("empty input")
    if np.any((t != 0) & (t != 1)):
        raise ValueError("y_true must hold only 0 and 1")
    try:
        s = s.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("y_score must be numeric") from exc
    if np.any(np.isnan(s)):
        raise ValueError("y_score contains NaN")
    n_pos = int(t.sum())
    n_neg = int(t.shape[0] - n_pos)
    if n_pos == 0:
        raise ValueError("y_true has no positive sample")
    if need_negative and n_neg == 0:
        raise ValueError("y_true has no negative sample")
    return t, s, n_pos, n_neg


def _cumulative_counts(t, s):
    """Distinct scores descending and the cumulative (tp, fp) at each of them."""
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    t_sorted = t[order]
    # last index of each group of equal scores
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], s_sorted.shape[0] - 1]
    tps = np.cumsum(t_sorted)[last].astype(np.float64)
    fps = (last + 1).astype(np.float64) - tps
    return s_sorted[last], tps, fps


def roc_curve(y_true, y_score):
    """(fpr, tpr, thresholds): float64 arrays; thresholds = [inf, distinct scores descending]."""
    t, s, n_pos, n_neg = _check_binary_scores(y_true, y_score, need_negative=True)
    thr, tps, fps = _cumulative_counts(t, s)
    fpr = np.r_[0.0, fps / n_neg]
    tpr = np.r_[0.0, tps / n_pos]
    thresholds = np.r_[np.inf, thr].astype(np.float64)
    return fpr.astype(np.float64), tpr.astype(np.float64), thresholds


def roc_auc(y_true, y_score):
    """Trapezoidal area under roc_curve (a tie between a positive and a negative counts 1/2)."""
    fpr, tpr, _ = roc_curve(y_true, y_score)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def average_precision(y_true, y_score):
    """sum_k (R_k - R_{k-1}) * P_k over the distinct scores in decreasing order, R_0 = 0."""
    t, s, n_pos, _ = _check_binary_scores(y_true, y_score, need_negative=False)
    _, tps, fps = _cumulative_counts(t, s)
    precision = tps / (tps + fps)          # tps + fps >= 1 at every threshold
    recall = tps / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
