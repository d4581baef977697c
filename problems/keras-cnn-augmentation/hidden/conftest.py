"""Shared set-up for the keras-cnn-augmentation hidden suite.

TensorFlow is configured before any test (and any submitted code) runs: quiet
logs, one thread per op pool, deterministic ops. The helpers make seeded tasks
and weights, the test's own NumPy forward pass of the network, and a callback
that observes (and may script) each epoch.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf
import keras

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.experimental.enable_op_determinism()

STACK = ["RandomFlip", "RandomTranslation", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense"]


def make_task(rng, n, shape=(8, 8, 1), num_classes=3, noise=0.5):
    """Left-right symmetric class templates (a flip keeps the class) plus noise."""
    t = rng.standard_normal((num_classes,) + tuple(shape))
    t = (t + t[:, :, ::-1]) / 2
    y = np.arange(n) % num_classes
    rng.shuffle(y)
    x = t[y] + noise * rng.standard_normal((n,) + tuple(shape))
    return x.astype(np.float32), y.astype(np.int64)


def set_weights(model, rng):
    """He-scaled kernels and small biases for every layer with weights; returns them."""
    out = []
    for layer in model.layers:
        if layer.weights:
            k, b = layer.get_weights()
            w = [(rng.standard_normal(k.shape) * np.sqrt(2.0 / np.prod(k.shape[:-1]))).astype(np.float32),
                 (0.05 * rng.standard_normal(b.shape)).astype(np.float32)]
            layer.set_weights(w)
            out.append(w)
    return out


def _conv(x, k, b, pad):
    kh, kw = k.shape[:2]
    if pad:
        x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    h, w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], h, w, k.shape[3])) + b
    for i in range(kh):
        for j in range(kw):
            out += x[:, i:i + h, j:j + w, :] @ k[i, j]
    return out


def forward(weights, x):
    """The convolutional network of spec.md rows 2-6 in float64 (no augmentation)."""
    (k1, b1), (k2, b2), (kd, bd) = [[np.asarray(a, np.float64) for a in w] for w in weights]
    h = np.maximum(_conv(np.asarray(x, np.float64), k1, b1, True), 0)
    n, hh, ww, c = h.shape
    h = h[:, :hh // 2 * 2, :ww // 2 * 2].reshape(n, hh // 2, 2, ww // 2, 2, c).max(axis=(2, 4))
    h = np.maximum(_conv(h, k2, b2, False), 0)
    return h.reshape(n, -1) @ kd + bd


def ce(logits, y):
    """Mean sparse cross-entropy of logits (float64)."""
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


class Recorder(keras.callbacks.Callback):
    """Snapshots the weights and logs at each epoch end, computes the loss of
    the rows it is told are the validation rows, and optionally rewrites
    ``logs["val_loss"]`` / ``logs["loss"]`` with scripted values."""

    def __init__(self, xv, yv, script=None):
        super().__init__()
        self.xv, self.yv, self.script = xv, yv, script
        self.weights, self.logs, self.own_val_loss = [], [], []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([np.array(w) for w in self.model.get_weights()])
        self.logs.append({k: float(v) for k, v in (logs or {}).items()})
        self.own_val_loss.append(ce(self.model(self.xv, training=False), self.yv))
        if self.script is not None:
            for key, values in self.script.items():
                logs[key] = float(values[epoch])
