"""classification-metrics: confusion matrix, precision / recall / F1, ROC curve and
AUC, average precision.

Use NumPy only. See spec.md for the exact definitions, the zero-division rule and
the treatment of tied scores.
"""
import numpy as np


def confusion_matrix(y_true, y_pred, n_classes=None):
    """int64 (K, K) counts: rows are true classes, columns predicted classes.

    K = n_classes if given, else max label + 1 over both arrays.
    """
    raise NotImplementedError("confusion_matrix")


def precision_recall_f1(y_true, y_pred, average="macro", n_classes=None, zero_division=0.0):
    """(precision, recall, f1): floats, or float64 (K,) arrays when average is None.

    average: None, "binary", "macro", "micro" or "weighted". A fraction with a zero
    denominator takes the value zero_division.
    """
    raise NotImplementedError("precision_recall_f1")


def roc_curve(y_true, y_score):
    """(fpr, tpr, thresholds): float64 arrays; thresholds = [inf, distinct scores descending]."""
    raise NotImplementedError("roc_curve")


def roc_auc(y_true, y_score):
    """Trapezoidal area under roc_curve (a tie between a positive and a negative counts 1/2)."""
    raise NotImplementedError("roc_auc")


def average_precision(y_true, y_score):
    """sum_k (R_k - R_{k-1}) * P_k over the distinct scores in decreasing order, R_0 = 0."""
    raise NotImplementedError("average_precision")
