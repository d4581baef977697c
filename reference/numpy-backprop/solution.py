"""Reference solution for numpy-backprop.

A two-layer fully connected network

    h = X @ W1 + b1          (N, H)   pre-activation
    a = max(h, 0)            (N, H)   ReLU
    s = a @ W2 + b2          (N, C)   class scores

trained with the mean softmax cross-entropy plus an L2 penalty on the two
weight matrices (biases are not regularised):

    loss = -1/N * sum_i log softmax(s_i)[y_i] + 0.5 * reg * (|W1|^2 + |W2|^2)

The log-probabilities are computed with the log-sum-exp trick, so the loss is
finite for any finite scores, however large.
"""
from __future__ import annotations

import numpy as np

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``scores`` (N, C); every row of the result sums to 1."""
    scores = np.asarray(scores, dtype=np.float64)
    shifted = scores - scores.max(axis=1, keepdims=True)  # largest entry of each row is 0
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray, reg: float = 0.0):
    """Loss of the network on (X, y) and its gradient with respect to every parameter.

    Returns ``(loss, grads)``: ``loss`` a Python float, ``grads`` a dict with the
    keys of ``params`` and arrays of the same shapes (float64).
    """
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in PARAM_NAMES)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.intp)
    n = X.shape[0]
    rows = np.arange(n)

    # forward
    h = X @ W1 + b1
    a = np.maximum(h, 0.0)
    s = a @ W2 + b2
    log_p = _log_softmax(s)
    data_loss = -log_p[rows, y].mean()
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    loss = float(data_loss + reg_loss)

    # backward: d(mean CE)/ds = (softmax(s) - onehot(y)) / N
    ds = np.exp(log_p)
    ds[rows, y] -= 1.0
    ds /= n
    dW2 = a.T @ ds + reg * W2
    db2 = ds.sum(axis=0)
    da = ds @ W2.T
    dh = da * (h > 0)  # ReLU'(0) = 0
    dW1 = X.T @ dh + reg * W1
    db1 = dh.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
