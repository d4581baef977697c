"""Adversarial: a correct solution that first fills /tmp until the disk says no.

The tmpfs size cap stops it; it then frees what it wrote so the test run
itself has room, and is judged normally.
"""
import os
import tempfile

_written = []
_chunk = b"\0" * (1 << 20)
try:
    for _i in range(100000):
        _p = os.path.join(tempfile.gettempdir(), f"fill-{_i}")
        with open(_p, "wb") as _fh:
            _written.append(_p)
            for _ in range(16):
                _fh.write(_chunk)
except OSError:
    pass
for _p in _written:
    try:
        os.unlink(_p)
    except OSError:
        pass

import numpy as np

import numpy as np


def softmax(scores):
    z = np.asarray(scores, dtype=float)
    z = z - np.amax(z, axis=-1)[:, None]
    np.exp(z, out=z)
    z /= np.sum(z, axis=-1)[:, None]
    return z


def _logsumexp(z):
    m = np.amax(z, axis=1)
    return m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n, num_classes = X.shape[0], W2.shape[1]
    onehot = np.zeros((n, num_classes))
    onehot[np.arange(n), y] = 1.0

    pre = np.einsum("nd,dh->nh", X, W1) + b1
    act = np.where(pre > 0, pre, 0.0)
    logits = np.einsum("nh,hc->nc", act, W2) + b2

    correct = np.einsum("nc,nc->n", logits, onehot)
    loss = np.mean(_logsumexp(logits) - correct)
    loss += reg * 0.5 * (np.einsum("ij,ij->", W1, W1) + np.einsum("ij,ij->", W2, W2))

    dlogits = (softmax(logits) - onehot) / n
    grads = {
        "W2": np.einsum("nh,nc->hc", act, dlogits) + reg * W2,
        "b2": dlogits.sum(axis=0),
    }
    dpre = np.einsum("nc,hc->nh", dlogits, W2)
    dpre[pre <= 0] = 0.0
    grads["W1"] = np.einsum("nd,nh->dh", X, dpre) + reg * W1
    grads["b1"] = dpre.sum(axis=0)
    return float(loss), grads
