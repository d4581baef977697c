"""Shared set-up for the keras-transfer-learning hidden suite.

TensorFlow is configured before any test (and any submitted code) runs: quiet
logs, one thread per op pool, deterministic ops. ``make_base`` builds the
"pretrained" base network with weights drawn from the test's seed (no weights
can be downloaded); ``make_task`` builds a small seeded image task.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf
import keras

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.experimental.enable_op_determinism()

INPUT_SHAPE = (8, 8, 3)


def make_base(rng):
    """The base network of spec.md with seeded "pretrained" weights."""
    L = keras.layers
    base = keras.Sequential([
        keras.Input(INPUT_SHAPE),
        L.Conv2D(8, 3, padding="same", name="conv1"),
        L.BatchNormalization(name="bn1"),
        L.ReLU(name="relu1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(16, 3, padding="same", name="conv2"),
        L.BatchNormalization(name="bn2"),
        L.ReLU(name="relu2"),
        L.Conv2D(16, 3, padding="same", name="conv3"),
        L.BatchNormalization(name="bn3"),
        L.ReLU(name="relu3"),
        L.GlobalAveragePooling2D(name="gap"),
    ], name="base")
    for layer in base.layers:
        if isinstance(layer, L.Conv2D):
            k, b = layer.get_weights()
            fan_in = np.prod(k.shape[:3])
            layer.set_weights([rng.standard_normal(k.shape) * np.sqrt(2.0 / fan_in),
                               0.1 * rng.standard_normal(b.shape)])
        elif isinstance(layer, L.BatchNormalization):
            n = layer.get_weights()[0].shape
            # gamma, beta, moving_mean, moving_variance: far from a batch's own
            # statistics, so training-mode BatchNorm would change the outputs
            layer.set_weights([rng.uniform(0.8, 1.2, n), 0.1 * rng.standard_normal(n),
                               0.5 * rng.standard_normal(n), rng.uniform(0.5, 2.0, n)])
    return base


def make_task(rng, n, num_classes=3, noise=0.6, templates=None):
    """Images = a class template (fixed per task) + noise. Returns x, y, templates."""
    if templates is None:
        templates = rng.standard_normal((num_classes,) + INPUT_SHAPE)
    y = np.arange(n) % num_classes
    rng.shuffle(y)
    x = templates[y] * rng.uniform(0.5, 1.5, (n, 1, 1, 1)) + noise * rng.standard_normal((n,) + INPUT_SHAPE)
    return x.astype(np.float32), y.astype(np.int64), templates


def set_head(model, rng):
    """Overwrite the head's initial weights with seeded ones."""
    head = model.get_layer("head")
    k, b = head.get_weights()
    head.set_weights([(rng.standard_normal(k.shape) / np.sqrt(k.shape[0])).astype(np.float32),
                      np.zeros(b.shape, np.float32)])


def ce(model, x, y):
    """The test's own mean cross-entropy of the model's probabilities (inference mode)."""
    p = np.asarray(model(tf.constant(x), training=False), dtype=np.float64)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def count(variables):
    return int(sum(int(np.prod(v.shape)) for v in variables))


def snapshot(layer_or_model):
    return [np.array(v) for v in layer_or_model.get_weights()]


@pytest.fixture
def kit():
    class Kit:
        pass
    for f in (make_base, make_task, set_head, ce, count, snapshot):
        setattr(Kit, f.__name__, staticmethod(f))
    return Kit
