"""Adversarial: a correct solution that first writes without end to the sandbox's output.

pytest captures fd 1, so this writes to PID 1's stdout (the container's output
stream; under bubblewrap, the PID namespace's init). The judge keeps a capped
part and drains the rest, so neither its memory nor the host's disk fills; the
flood never ends (a bounded one finishes on a fast machine: the verdict would
depend on speed), so the import is cut: time_limit_exceeded.
"""
import os

_chunk = b"x" * (1 << 20)
try:
    _fd = os.open("/proc/1/fd/1", os.O_WRONLY)
except OSError:
    _fd = 1
while True:
    try:
        os.write(_fd, _chunk)
    except OSError:
        break

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
