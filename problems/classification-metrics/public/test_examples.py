"""Public examples for classification-metrics: run them with
`judge test classification-metrics solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass.
"""
import numpy as np
import pytest

Y_TRUE = np.array([0, 1, 2, 2, 1, 0, 2])
Y_PRED = np.array([0, 2, 2, 1, 1, 0, 0])
Y = np.array([0, 0, 1, 1, 0, 1])
S = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.4])


def test_confusion_matrix_example(solution):
    cm = solution.confusion_matrix(Y_TRUE, Y_PRED)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, [[2, 0, 0], [0, 1, 1], [1, 1, 1]])


def test_precision_recall_f1_example(solution):
    p, r, f = solution.precision_recall_f1(Y_TRUE, Y_PRED, average=None)
    np.testing.assert_allclose(p, [2 / 3, 0.5, 0.5])
    np.testing.assert_allclose(r, [1.0, 0.5, 1 / 3])
    np.testing.assert_allclose(f, [0.8, 0.5, 0.4])
    expected = {"macro": (5 / 9, 11 / 18, 0.566667), "micro": (4 / 7, 4 / 7, 4 / 7),
                "weighted": (0.547619, 4 / 7, 0.542857)}
    for average, values in expected.items():
        got = solution.precision_recall_f1(Y_TRUE, Y_PRED, average=average)
        np.testing.assert_allclose(got, values, atol=1e-6)
    got = solution.precision_recall_f1(Y_TRUE, Y_PRED, average="macro", n_classes=4, zero_division=1.0)
    np.testing.assert_allclose(got, (2 / 3, 0.708333, 0.675), atol=1e-6)


def test_roc_example(solution):
    fpr, tpr, thr = solution.roc_curve(Y, S)
    np.testing.assert_array_equal(thr, [np.inf, 0.8, 0.4, 0.35, 0.1])
    np.testing.assert_allclose(fpr, [0, 0, 2 / 3, 2 / 3, 1])
    np.testing.assert_allclose(tpr, [0, 1 / 3, 2 / 3, 1, 1])
    assert float(solution.roc_auc(Y, S)) == pytest.approx(2 / 3)
    assert float(solution.average_precision(Y, S)) == pytest.approx(0.7)


def test_invalid_input_raises(solution):
    with pytest.raises(ValueError):
        solution.confusion_matrix(np.array([0, 1]), np.array([0, 1, 1]))
    with pytest.raises(ValueError):
        solution.roc_auc(np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9]))
