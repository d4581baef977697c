"""Hidden suite for classification-metrics.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id). Every test records the values that matter with ``check``; the judge
compares them with the reference run's values outside the sandbox.
"""
import numpy as np
import pytest

# Counts are exact; fractions of counts differ between correct solutions only by
# rounding (summation order of a few thousand terms: ~1e-13 relative).
TOL = {"rtol": 1e-9, "atol": 1e-12}
AVERAGES = [None, "macro", "micro", "weighted"]


# ---- data ----------------------------------------------------------------------
def noisy_predictions(rng, y_true, k, accuracy):
    """Predictions equal to y_true with probability `accuracy`, else a random class."""
    keep = rng.random(len(y_true)) < accuracy
    return np.where(keep, y_true, rng.integers(0, k, len(y_true)))


def multiclass(rng, n, k, accuracy=0.6):
    y_true = rng.integers(0, k, n)
    return y_true, noisy_predictions(rng, y_true, k, accuracy)


def binary_scores(rng, n, grid=None, pos_rate=0.4):
    """Labels with at least one of each class; scores informative but overlapping.
    With `grid`, scores are rounded to multiples of 1/grid: many exact ties."""
    y = (rng.random(n) < pos_rate).astype(np.int64)
    y[rng.choice(n, 2, replace=False)] = [0, 1]
    s = 0.8 * y + rng.normal(0.0, 0.6, n)
    if grid is not None:
        s = np.round(s * grid) / grid
    return y, s


# ---- reading the candidate's results ----------------------------------------------
def scalar(value, what):
    # float, np.float64 and 0-d float arrays count as "a float"; (1,) arrays do not.
    assert np.ndim(value) == 0, f"{what} must be a scalar"
    assert np.asarray(value).dtype.kind == "f", f"{what} must be a float"
    return float(value)


def float64_array(value, what, shape):
    arr = np.asarray(value)
    assert arr.dtype == np.float64, f"{what} must be float64"
    assert arr.shape == shape, f"{what} has the wrong shape"
    return arr


def cm_of(solution, y_true, y_pred, **kw):
    cm = solution.confusion_matrix(y_true.copy(), y_pred.copy(), **kw)
    assert isinstance(cm, np.ndarray) and cm.dtype == np.int64, "confusion matrix must be int64"
    return cm


def prf(solution, y_true, y_pred, average, k=None, **kw):
    res = solution.precision_recall_f1(y_true.copy(), y_pred.copy(), average=average, **kw)
    assert isinstance(res, tuple) and len(res) == 3, "precision_recall_f1 returns a 3-tuple"
    if average is None:
        return {n: float64_array(v, n, (k,)) for n, v in zip(("precision", "recall", "f1"), res)}
    return {n: scalar(v, n) for n, v in zip(("precision", "recall", "f1"), res)}


def roc(solution, y, s):
    fpr, tpr, thr = solution.roc_curve(y.copy(), s.copy())
    m = len(np.unique(s)) + 1
    return {"fpr": float64_array(fpr, "fpr", (m,)), "tpr": float64_array(tpr, "tpr", (m,)),
            "thresholds": float64_array(thr, "thresholds", (m,))}


def auc(solution, y, s):
    return scalar(solution.roc_auc(y.copy(), s.copy()), "auc")


def ap(solution, y, s):
    return scalar(solution.average_precision(y.copy(), s.copy()), "average precision")


def pairwise_auc(y, s):
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


# ---- confusion matrix ------------------------------------------------------------
@pytest.mark.weight(1)
def test_confusion_matrix_random(check, rng, solution):
    y_true, y_pred = multiclass(rng, 300, 6)
    y_true[y_true == 5] = 4          # the largest class only in the predictions
    y_pred[int(rng.integers(300))] = 5
    cm = cm_of(solution, y_true, y_pred)
    check("cm", cm, exact=True)
    assert cm.shape == (6, 6) and cm.sum() == 300


@pytest.mark.weight(1)
def test_confusion_matrix_n_classes_and_gaps(check, rng, solution):
    y_true, y_pred = multiclass(rng, 80, 4, accuracy=0.5)
    y_true[y_true == 1] = 3          # class 1 in neither array: a gap below the max
    y_pred[y_pred == 1] = 0
    check("cm_inferred", cm_of(solution, y_true, y_pred), exact=True)
    check("cm_7", cm_of(solution, y_true, y_pred, n_classes=7), exact=True)


# ---- precision, recall, F1 --------------------------------------------------------
@pytest.mark.weight(2)
@pytest.mark.parametrize("zero_division", [0.0, 1.0])
def test_per_class_values(check, rng, solution, zero_division):
    # class 2 is never predicted, class 4 never occurs in y_true
    y_true, y_pred = multiclass(rng, 120, 5)
    y_true[y_true == 4] = 0
    y_pred[y_pred == 2] = 3
    check("prf", prf(solution, y_true, y_pred, None, 5, zero_division=zero_division), **TOL)


@pytest.mark.weight(2)
@pytest.mark.parametrize("zero_division", [0.0, 1.0])
def test_macro_average(check, rng, solution, zero_division):
    y_true, y_pred = multiclass(rng, 150, 5)
    y_pred[y_pred == 3] = 1          # class 3 never predicted
    check("plain", prf(solution, y_true, y_pred, "macro"), **TOL)
    check("zero_division", prf(solution, y_true, y_pred, "macro",
                               zero_division=zero_division), **TOL)
    check("n_classes", prf(solution, y_true, y_pred, "macro", n_classes=7,
                           zero_division=zero_division), **TOL)


@pytest.mark.weight(1)
def test_micro_average(check, rng, solution):
    y_true, y_pred = multiclass(rng, 200, 4, accuracy=0.5)
    got = prf(solution, y_true, y_pred, "micro")
    check("micro", got, **TOL)
    check("micro_n_classes", prf(solution, y_true, y_pred, "micro", n_classes=6,
                                 zero_division=1.0), **TOL)
    accuracy = float(np.mean(y_true == y_pred))
    assert abs(got["f1"] - accuracy) < 1e-12


@pytest.mark.weight(1)
@pytest.mark.parametrize("zero_division", [0.0, 1.0])
def test_weighted_average(check, rng, solution, zero_division):
    y_true = rng.choice(4, size=160, p=[0.55, 0.25, 0.15, 0.05])
    y_pred = noisy_predictions(rng, y_true, 4, 0.5)
    y_pred[y_pred == 2] = 0          # class 2 never predicted (it has support)
    check("weighted", prf(solution, y_true, y_pred, "weighted",
                          zero_division=zero_division), **TOL)
    check("weighted_n_classes", prf(solution, y_true, y_pred, "weighted", n_classes=6,
                                    zero_division=zero_division), **TOL)


@pytest.mark.weight(1)
def test_binary_average(check, rng, solution):
    y_true = (rng.random(90) < 0.3).astype(np.int64)
    y_pred = noisy_predictions(rng, y_true, 2, 0.7)
    check("binary", prf(solution, y_true, y_pred, "binary"), **TOL)
    check("binary_k2", prf(solution, y_true, y_pred, "binary", n_classes=2), **TOL)
    # the positive class never predicted / never present
    never = np.zeros(90, dtype=np.int64)
    for zd in (0.0, 1.0):
        check(f"never_predicted_{zd}", prf(solution, y_true, never, "binary",
                                           zero_division=zd), **TOL)
        check(f"never_true_{zd}", prf(solution, never, y_pred, "binary",
                                      zero_division=zd), **TOL)
        check(f"neither_{zd}", prf(solution, never, never, "binary", zero_division=zd), **TOL)


@pytest.mark.weight(2)
def test_zero_division_edge_classes(check, rng, solution):
    # class 1 never predicted, class 2 absent from y_true, class 4 in neither
    # (n_classes = 5), class 0 and 3 ordinary; precision 0 with tp = 0 but fp > 0.
    n = 40
    y_true = rng.choice([0, 1, 3], size=n)
    y_pred = rng.choice([0, 2, 3], size=n)
    y_true[:3], y_pred[:3] = [1, 0, 3], [0, 2, 3]
    for zd in (0.0, 1.0):
        for average in AVERAGES:
            got = prf(solution, y_true, y_pred, average, 5, n_classes=5, zero_division=zd)
            check(f"{average}_{zd}", got, **TOL)
            assert all(np.all(np.isfinite(v)) for v in got.values())


@pytest.mark.weight(1)
def test_unknown_average_and_binary_misuse_raise(check, rng, solution):
    y_true, y_pred = multiclass(rng, 30, 3)
    check("macro", prf(solution, y_true, y_pred, "macro"), **TOL)
    for average in ("samples", "Macro", "mean"):
        with pytest.raises(ValueError):
            solution.precision_recall_f1(y_true, y_pred, average=average)
    binary_true, binary_pred = y_true % 2, y_pred % 2
    for where in (0, 1):              # a label 2 in y_true, then in y_pred, binary average
        pair = [binary_true.copy(), binary_pred.copy()]
        pair[where][int(rng.integers(len(y_true)))] = 2
        with pytest.raises(ValueError):
            solution.precision_recall_f1(*pair, average="binary")
    check("binary", prf(solution, binary_true, binary_pred, "binary"), **TOL)
    with pytest.raises(ValueError):   # binary average with n_classes 3
        solution.precision_recall_f1(binary_true, binary_pred, average="binary", n_classes=3)


@pytest.mark.weight(1)
def test_invalid_labels_raise(check, rng, solution):
    y_true, y_pred = multiclass(rng, 25, 3)
    check("cm", cm_of(solution, y_true, y_pred, n_classes=3), exact=True)
    bad = [
        (y_true, y_pred[:-1], {}),                       # lengths differ
        (y_true[:1], y_pred, {}),                        # lengths differ (1 would broadcast)
        (y_true[:0], y_pred[:0], {}),                    # no sample
        (np.r_[y_true[:-1], -1], y_pred, {}),            # a negative label
        (y_true, y_pred, {"n_classes": 2}),              # a label >= n_classes
    ]
    for a, b, kw in bad:
        with pytest.raises(ValueError):
            solution.confusion_matrix(a, b, **kw)
        with pytest.raises(ValueError):
            solution.precision_recall_f1(a, b, average="macro", **kw)


# ---- ROC ---------------------------------------------------------------------------
@pytest.mark.weight(2)
def test_roc_curve_with_ties(check, rng, solution):
    y, s = binary_scores(rng, 400, grid=10)
    got = roc(solution, y, s)
    check("roc", got, **TOL)
    assert got["thresholds"][0] == np.inf


@pytest.mark.weight(1)
def test_roc_curve_distinct_scores(check, rng, solution):
    y, s = binary_scores(rng, 60)
    check("roc", roc(solution, y, s), **TOL)


@pytest.mark.weight(2)
def test_roc_auc_with_ties(check, rng, solution):
    for grid in (4, 20):
        y, s = binary_scores(rng, 500, grid=grid)
        got = auc(solution, y, s)
        check(f"auc_grid{grid}", got, **TOL)
        assert abs(got - pairwise_auc(y, s)) < 1e-9


@pytest.mark.weight(1)
def test_roc_auc_distinct_and_reversed(check, rng, solution):
    y, s = binary_scores(rng, 120)
    check("auc", auc(solution, y, s), **TOL)
    check("auc_reversed", auc(solution, y, -s), **TOL)
    check("auc_perfect", auc(solution, y, s + 100.0 * y), **TOL)


@pytest.mark.weight(2)
def test_average_precision_with_ties(check, rng, solution):
    for grid in (3, 10):
        y, s = binary_scores(rng, 400, grid=grid, pos_rate=0.25)
        check(f"ap_grid{grid}", ap(solution, y, s), **TOL)


@pytest.mark.weight(1)
def test_average_precision_distinct(check, rng, solution):
    y, s = binary_scores(rng, 80, pos_rate=0.3)
    check("ap", ap(solution, y, s), **TOL)
    check("ap_reversed", ap(solution, y, -s), **TOL)


@pytest.mark.weight(1)
def test_all_scores_tied(check, rng, solution):
    y, _ = binary_scores(rng, 37)
    s = np.full(37, float(rng.normal()))
    got = roc(solution, y, s)
    check("roc", got, **TOL)
    check("auc", auc(solution, y, s), **TOL)
    check("ap", ap(solution, y, s), **TOL)
    assert got["fpr"].tolist() == [0.0, 1.0] and got["tpr"].tolist() == [0.0, 1.0]


@pytest.mark.weight(1)
def test_ranking_input_validation(check, rng, solution):
    y, s = binary_scores(rng, 30, grid=5)
    check("auc", auc(solution, y, s), **TOL)
    ones, zeros = np.ones(30, dtype=np.int64), np.zeros(30, dtype=np.int64)
    check("ap_no_negative", ap(solution, ones, s), **TOL)    # fine: AP = 1
    for fn in (solution.roc_curve, solution.roc_auc):
        for bad_y, bad_s in ((ones, s), (zeros, s), (y, s[:-1]), (y[:1], s), (np.r_[y[:-1], 2], s)):
            with pytest.raises(ValueError):
                fn(bad_y, bad_s)
    for bad_y, bad_s in ((zeros, s), (y, s[:-1]), (y[:1], s), (np.r_[y[:-1], 2], s)):
        with pytest.raises(ValueError):
            solution.average_precision(bad_y, bad_s)


# ---- edge cases, sizes, arguments ----------------------------------------------------
@pytest.mark.weight(1)
def test_single_sample(check, rng, solution):
    label = int(rng.integers(1, 4))
    one, other = np.array([label]), np.array([label - 1])
    check("cm_right", cm_of(solution, one, one), exact=True)
    check("cm_wrong", cm_of(solution, one, other), exact=True)
    for average in AVERAGES:
        for zd in (0.0, 1.0):
            check(f"right_{average}_{zd}", prf(solution, one, one, average, label + 1,
                                               zero_division=zd), **TOL)
            check(f"wrong_{average}_{zd}", prf(solution, one, other, average, label + 1,
                                               zero_division=zd), **TOL)
    score = np.array([float(rng.normal())])
    check("ap", ap(solution, np.array([1]), score), **TOL)
    with pytest.raises(ValueError):
        solution.roc_auc(np.array([1]), score)


@pytest.mark.weight(1)
def test_large_inputs(check, rng, solution):
    y_true, y_pred = multiclass(rng, 5000, 12, accuracy=0.3)
    check("cm", cm_of(solution, y_true, y_pred), exact=True)
    for average in AVERAGES:
        check(f"prf_{average}", prf(solution, y_true, y_pred, average, 12), **TOL)
    y, s = binary_scores(rng, 5000, grid=50)
    check("auc", auc(solution, y, s), **TOL)
    check("ap", ap(solution, y, s), **TOL)


@pytest.mark.weight(1)
def test_arguments_not_modified(check, rng, solution):
    y_true, y_pred = multiclass(rng, 50, 4)
    y, s = binary_scores(rng, 50, grid=8)
    kept = [a.copy() for a in (y_true, y_pred, y, s)]
    check("cm", solution.confusion_matrix(y_true, y_pred), exact=True)
    check("prf", {n: float(v) for n, v in zip("prf", solution.precision_recall_f1(
        y_true, y_pred, average="weighted"))}, **TOL)
    fpr, tpr, thr = solution.roc_curve(y, s)
    check("roc", {"fpr": np.asarray(fpr), "tpr": np.asarray(tpr)}, **TOL)
    check("auc", float(solution.roc_auc(y, s)), **TOL)
    check("ap", float(solution.average_precision(y, s)), **TOL)
    for before, after in zip(kept, (y_true, y_pred, y, s)):
        assert np.array_equal(before, after), "an argument was modified"
