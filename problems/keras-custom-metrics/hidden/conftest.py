"""Shared set-up for the keras-custom-metrics hidden suite.

TensorFlow is configured before any test (and any submitted code) runs: quiet
logs, one thread per op pool, deterministic ops.  ``f1_np`` is the statement's
formula in NumPy (float64), ``lr_np`` the statement's schedule.
"""
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.experimental.enable_op_determinism()


def f1_np(y_true, y_pred, num_classes, average, w=None):
    """spec.md's F1 of class ids ``y_true`` vs predicted ids ``y_pred`` (weights ``w``)."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    w = np.ones(len(y_true)) if w is None else np.asarray(w, np.float64).reshape(-1)
    c = np.arange(num_classes)[:, None]
    tp = ((y_true == c) & (y_pred == c)) @ w
    fp = ((y_true != c) & (y_pred == c)) @ w
    fn = ((y_true == c) & (y_pred != c)) @ w
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    denom = 2 * tp + fp + fn
    f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)
    if average == "micro":
        return float(f1)
    weights = tp + fn if average == "weighted" else (denom > 0).astype(np.float64)
    return float((f1 * weights).sum() / weights.sum()) if weights.sum() > 0 else 0.0


def lr_np(step, peak, total, warmup, floor):
    if step < warmup:
        return peak * step / warmup
    if step >= total:
        return floor
    return floor + (peak - floor) * (1 + math.cos(math.pi * (step - warmup) / (total - warmup))) / 2


def make_model(rng, n_features, n_classes):
    """Dense(tanh) -> Dense(softmax), weights drawn from ``rng``."""
    model = tf.keras.Sequential([
        tf.keras.Input((n_features,)),
        tf.keras.layers.Dense(8, activation="tanh"),
        tf.keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.set_weights([(rng.standard_normal(w.shape) / np.sqrt(w.shape[0]) if w.ndim == 2
                        else 0.3 * rng.standard_normal(w.shape)).astype(np.float32)
                       for w in model.get_weights()])
    return model


def make_data(rng, n, n_features, n_classes):
    """Features with a weak linear class signal (so F1 is neither 0 nor 1)."""
    y = rng.integers(0, n_classes, n)
    centers = rng.standard_normal((n_classes, n_features))
    x = 0.7 * centers[y] + rng.standard_normal((n, n_features))
    return x.astype(np.float32), y.astype(np.int64)


@pytest.fixture(scope="session")
def kit():
    class Kit:
        pass
    for f in (f1_np, lr_np, make_model, make_data):
        setattr(Kit, f.__name__, staticmethod(f))
    return Kit
