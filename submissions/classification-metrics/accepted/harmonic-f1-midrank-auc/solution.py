"""Vectorised with a one-hot confusion matrix, F1 as the guarded harmonic mean,
AUC from mid-ranks (Mann-Whitney U), AP from tie-group ends."""
import numpy as np


def _validate(y_true, y_pred, n_classes):
    y_true = np.asarray(y_true).astype(np.int64)
    y_pred = np.asarray(y_pred).astype(np.int64)
    if y_true.shape != y_pred.shape or y_true.ndim != 1 or y_true.size < 1:
        raise ValueError("need two 1-D label arrays of the same positive length")
    if (y_true < 0).any() or (y_pred < 0).any():
        raise ValueError("negative label")
    k = max(y_true.max(), y_pred.max()) + 1
    if n_classes is not None:
        if k > n_classes:
            raise ValueError("label >= n_classes")
        k = n_classes
    return y_true, y_pred, int(k)


def confusion_matrix(y_true, y_pred, n_classes=None):
    y_true, y_pred, k = _validate(y_true, y_pred, n_classes)
    eye = np.eye(k, dtype=np.int64)
    return eye[y_true].T @ eye[y_pred]


def _prf(tp, fp, fn, zd):
    tp, fp, fn = (np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (tp, fp, fn))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tp + fp > 0, tp / (tp + fp), zd)
        r = np.where(tp + fn > 0, tp / (tp + fn), zd)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    f = np.where(tp + fp + fn == 0, zd, f)
    return p, r, f


def precision_recall_f1(y_true, y_pred, average="macro", n_classes=None, zero_division=0.0):
    if average not in {None, "binary", "micro", "macro", "weighted"}:
        raise ValueError(f"average={average!r}")
    if average == "binary":
        if n_classes not in (None, 2) or np.max(y_true) > 1 or np.max(y_pred) > 1:
            raise ValueError("binary average needs 0/1 labels")
        n_classes = 2
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp
    if average == "micro":
        return tuple(np.float64(v[0]) for v in _prf(tp.sum(), fp.sum(), fn.sum(), zero_division))
    p, r, f = _prf(tp, fp, fn, zero_division)
    if average is None:
        return p, r, f
    if average == "binary":
        return np.float64(p[1]), np.float64(r[1]), np.float64(f[1])
    w = None if average == "macro" else cm.sum(1)
    return tuple(np.float64(np.average(v, weights=w)) for v in (p, r, f))


def _binary(y_true, y_score, need_neg):
    y = np.asarray(y_true)
    s = np.asarray(y_score, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1 or y.size == 0:
        raise ValueError("bad shapes")
    if np.isin(y, [0, 1], invert=True).any() or not (y == 1).any() or (need_neg and not (y == 0).any()):
        raise ValueError("y_true must be 0/1 with the required classes")
    return y.astype(np.int64), s


def _groups(y, s):
    uniq, inv = np.unique(s, return_inverse=True)
    uniq, inv = uniq[::-1], len(uniq) - 1 - inv          # descending
    pos = np.bincount(inv, weights=y, minlength=len(uniq))
    cnt = np.bincount(inv, minlength=len(uniq))
    return uniq, np.cumsum(pos), np.cumsum(cnt - pos)


def roc_curve(y_true, y_score):
    y, s = _binary(y_true, y_score, True)
    thr, tps, fps = _groups(y, s)
    return (np.concatenate([[0.0], fps / fps[-1]]), np.concatenate([[0.0], tps / tps[-1]]),
            np.concatenate([[np.inf], thr]))


def roc_auc(y_true, y_score):
    y, s = _binary(y_true, y_score, True)
    uniq, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    midrank = ends - (counts - 1) / 2.0
    ranks = midrank[inv]
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def average_precision(y_true, y_score):
    y, s = _binary(y_true, y_score, False)
    _, tps, fps = _groups(y, s)
    prec = tps / (tps + fps)
    rec = tps / tps[-1]
    return float(prec @ np.diff(rec, prepend=0.0))
