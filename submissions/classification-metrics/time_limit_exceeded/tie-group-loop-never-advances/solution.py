import numpy as np


def _check_labels(y_true, y_pred, n_classes):
    if len(y_true) != len(y_pred):
        raise ValueError("length mismatch")
    if len(y_true) == 0:
        raise ValueError("empty input")
    for v in list(y_true) + list(y_pred):
        if v < 0:
            raise ValueError("negative label")
    biggest = max(int(max(y_true)), int(max(y_pred)))
    if n_classes is None:
        return biggest + 1
    if biggest >= n_classes:
        raise ValueError("label out of range")
    return n_classes


def confusion_matrix(y_true, y_pred, n_classes=None):
    k = _check_labels(y_true, y_pred, n_classes)
    cm = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[int(t), int(p)] += 1
    return cm


def _safe(num, den, zd):
    return num / den if den != 0 else zd


def precision_recall_f1(y_true, y_pred, average="macro", n_classes=None, zero_division=0.0):
    if average not in ("binary", "macro", "micro", "weighted", None):
        raise ValueError("bad average")
    if average == "binary":
        if n_classes is not None and n_classes != 2:
            raise ValueError("binary means two classes")
        if any(v not in (0, 1) for v in list(y_true) + list(y_pred)):
            raise ValueError("binary labels are 0 and 1")
        n_classes = 2
    cm = confusion_matrix(y_true, y_pred, n_classes)
    k = cm.shape[0]
    P, R, F, support = [], [], [], []
    TP = FP = FN = 0
    for c in range(k):
        tp = int(cm[c, c])
        fp = int(cm[:, c].sum()) - tp
        fn = int(cm[c, :].sum()) - tp
        TP, FP, FN = TP + tp, FP + fp, FN + fn
        P.append(_safe(tp, tp + fp, zero_division))
        R.append(_safe(tp, tp + fn, zero_division))
        F.append(_safe(2 * tp, 2 * tp + fp + fn, zero_division))
        support.append(tp + fn)
    if average is None:
        return np.array(P, dtype=float), np.array(R, dtype=float), np.array(F, dtype=float)
    if average == "binary":
        return P[1], R[1], F[1]
    if average == "micro":
        return (_safe(TP, TP + FP, zero_division), _safe(TP, TP + FN, zero_division),
                _safe(2 * TP, 2 * TP + FP + FN, zero_division))
    if average == "macro":
        return sum(P) / k, sum(R) / k, sum(F) / k
    total = sum(support)
    return tuple(sum(v * w for v, w in zip(vals, support)) / total for vals in (P, R, F))


def _check_binary(y_true, y_score, need_both):
    if len(y_true) != len(y_score) or len(y_true) == 0:
        raise ValueError("bad lengths")
    labels = set(int(v) for v in y_true)
    if not labels <= {0, 1}:
        raise ValueError("labels must be 0/1")
    if 1 not in labels or (need_both and 0 not in labels):
        raise ValueError("missing class")


def roc_curve(y_true, y_score):
    _check_binary(y_true, y_score, True)
    pos = sum(1 for v in y_true if v == 1)
    neg = len(y_true) - pos
    fpr, tpr, thr = [0.0], [0.0], [np.inf]
    for t in sorted(set(float(v) for v in y_score), reverse=True):
        tp = sum(1 for v, sc in zip(y_true, y_score) if sc >= t and v == 1)
        fp = sum(1 for v, sc in zip(y_true, y_score) if sc >= t and v == 0)
        fpr.append(fp / neg)
        tpr.append(tp / pos)
        thr.append(t)
    return np.array(fpr), np.array(tpr), np.array(thr)


def roc_auc(y_true, y_score):
    _check_binary(y_true, y_score, True)
    y_true, y_score = np.asarray(y_true), np.asarray(y_score, dtype=float)
    pos, neg = y_score[y_true == 1], y_score[y_true == 0]
    wins = 0.0
    for p in pos:
        wins += np.sum(p > neg) + 0.5 * np.sum(p == neg)
    return wins / (len(pos) * len(neg))


def average_precision(y_true, y_score):
    _check_binary(y_true, y_score, False)
    y_true, y_score = np.asarray(y_true), np.asarray(y_score, dtype=float)
    n_pos = np.sum(y_true == 1)
    order = np.argsort(-y_score, kind="stable")
    s, y = y_score[order], y_true[order]
    total, prev_recall, tp, i = 0.0, 0.0, 0, 0
    while i < len(s):
        tp += int(y[i])
        if i + 1 < len(s) and s[i + 1] == s[i]:
            continue
        recall = tp / n_pos
        total += (recall - prev_recall) * tp / (i + 1)
        prev_recall = recall
        i += 1
    return float(total)
