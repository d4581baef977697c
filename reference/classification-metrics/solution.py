"""classification-metrics: reference solution (NumPy only)."""
import numpy as np

AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _labels(y_true, y_pred, n_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must be 1-D arrays of the same length")
    if y_true.size == 0:
        raise ValueError("no samples")
    if min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("labels must be >= 0")
    top = int(max(y_true.max(), y_pred.max())) + 1
    if n_classes is None:
        n_classes = top
    elif top > n_classes:
        raise ValueError("a label is >= n_classes")
    return y_true.astype(np.int64), y_pred.astype(np.int64), int(n_classes)


def confusion_matrix(y_true, y_pred, n_classes=None):
    y_true, y_pred, k = _labels(y_true, y_pred, n_classes)
    counts = np.bincount(y_true * k + y_pred, minlength=k * k)
    return counts.reshape(k, k).astype(np.int64)


def _divide(num, den, zero_division):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(num.shape, float(zero_division))
    np.divide(num, den, out=out, where=den > 0)
    return out


def precision_recall_f1(y_true, y_pred, average="macro", n_classes=None, zero_division=0.0):
    if average not in AVERAGES:
        raise ValueError(f"unknown average {average!r}")
    if average == "binary":
        if n_classes not in (None, 2):
            raise ValueError("binary average needs n_classes None or 2")
        n_classes = 2  # a label other than 0 and 1 then raises ValueError
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    precision = _divide(tp, tp + fp, zero_division)
    recall = _divide(tp, tp + fn, zero_division)
    f1 = _divide(2 * tp, 2 * tp + fp + fn, zero_division)
    if average is None:
        return precision, recall, f1
    if average == "micro":
        return float(precision), float(recall), float(f1)
    if average == "binary":
        return float(precision[1]), float(recall[1]), float(f1[1])
    if average == "macro":
        weights = np.ones(len(tp))
    else:
        weights = (tp + fn).astype(np.float64)
    return tuple(float(np.sum(v * weights) / np.sum(weights)) for v in (precision, recall, f1))


def _binary(y_true, y_score, need_negative):
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.ndim != 1 or y_true.shape != y_score.shape:
        raise ValueError("y_true and y_score must be 1-D arrays of the same length")
    if y_true.size == 0:
        raise ValueError("no samples")
    if not np.all((y_true == 0) | (y_true == 1)):
        raise ValueError("y_true must hold 0 and 1 only")
    if not np.any(y_true == 1):
        raise ValueError("y_true has no positive")
    if need_negative and not np.any(y_true == 0):
        raise ValueError("y_true has no negative")
    return y_true.astype(np.int64), y_score


def _cumulative_counts(y_true, y_score):
    """Positives and negatives with score >= each distinct score, highest first."""
    order = np.argsort(-y_score, kind="stable")
    scores, labels = y_score[order], y_true[order]
    last = np.r_[np.nonzero(np.diff(scores))[0], len(scores) - 1]  # end of each tie group
    tps = np.cumsum(labels)[last]
    fps = (last + 1) - tps
    return tps, fps, scores[last]


def roc_curve(y_true, y_score):
    y_true, y_score = _binary(y_true, y_score, need_negative=True)
    tps, fps, thresholds = _cumulative_counts(y_true, y_score)
    fpr = np.r_[0.0, fps / fps[-1]]
    tpr = np.r_[0.0, tps / tps[-1]]
    return fpr, tpr, np.r_[np.inf, thresholds]


def roc_auc(y_true, y_score):
    fpr, tpr, _ = roc_curve(y_true, y_score)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def average_precision(y_true, y_score):
    y_true, y_score = _binary(y_true, y_score, need_negative=False)
    tps, fps, _ = _cumulative_counts(y_true, y_score)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
