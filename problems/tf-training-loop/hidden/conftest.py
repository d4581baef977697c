"""Shared set-up for the tf-training-loop hidden suite.

TensorFlow is configured once, before any test (and any submitted code) runs:
quiet logs, one thread per op pool and deterministic ops, so the reference
records identical values in every run.  The helpers build the models and data
sets every test uses, from the test's own ``rng``.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.experimental.enable_op_determinism()


def _make_model(rng, n_features, n_hidden, n_classes, dropout=0.0):
    """Dense(tanh) [-> Dropout] -> Dense logits, weights drawn from ``rng``."""
    layers = [tf.keras.Input((n_features,)), tf.keras.layers.Dense(n_hidden, activation="tanh")]
    if dropout:
        layers.append(tf.keras.layers.Dropout(dropout, seed=int(rng.integers(1, 2**30))))
    layers.append(tf.keras.layers.Dense(n_classes))
    model = tf.keras.Sequential(layers)
    weights = []
    for w in model.get_weights():
        if w.ndim == 2:
            weights.append(rng.standard_normal(w.shape) / np.sqrt(w.shape[0]))
        else:
            weights.append(0.1 * rng.standard_normal(w.shape))
    model.set_weights([w.astype(np.float32) for w in weights])
    return model


def _make_data(rng, n, n_features, n_classes=2, minority=0.2, noise=0.0, direction=None):
    """Imbalanced linear task: the top ``minority`` share of scores gets the
    higher classes; ``noise`` flips that share of labels at random."""
    if direction is None:
        direction = rng.standard_normal(n_features)
    x = rng.standard_normal((n, n_features)).astype(np.float32)
    score = x @ direction
    # class k >= 1 takes an equal slice of the top `minority` share
    cuts = np.quantile(score, 1 - minority * np.arange(n_classes - 1, 0, -1) / (n_classes - 1))
    y = np.searchsorted(np.sort(cuts), score).astype(np.int64)
    flip = rng.random(n) < noise
    y[flip] = rng.integers(0, n_classes, int(flip.sum()))
    return x, y, direction


@pytest.fixture
def make_model():
    return _make_model


@pytest.fixture
def make_data():
    return _make_data


def model_weights(model):
    return [w.copy() for w in model.get_weights()]


def plain_ce(model, x, y):
    """The test's own unweighted cross-entropy of ``model`` in inference mode."""
    logits = model(tf.constant(x), training=False).numpy().astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


@pytest.fixture
def tools():
    class Tools:
        weights = staticmethod(model_weights)
        ce = staticmethod(plain_ce)
    return Tools
