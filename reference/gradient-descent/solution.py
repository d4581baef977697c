"""Reference solution for gradient-descent.

Linear model ``z = X @ w + b`` trained by (mini-batch, momentum) gradient
descent on

- ``"mse"``: mean squared error ``mean((z - y)**2)``;
- ``"bce"``: binary cross-entropy of ``sigmoid(z)`` against labels in {0, 1},
  computed stably as ``mean(logaddexp(0, z) - y * z)``.

Shuffling protocol (fixed by the statement so runs are reproducible): one
``numpy.random.default_rng(seed)`` for the whole run; when ``batch_size`` is
given, each epoch draws ``rng.permutation(n)`` once and cuts it into
consecutive batches (the last one may be smaller). Momentum:
``v = momentum * v + g; param -= lr * v`` with ``v`` starting at zero.
"""
from __future__ import annotations

import numpy as np


def mse_loss_grad(w, b, X, y):
    """Mean squared error of ``X @ w + b`` against ``y`` and its gradient (loss, dw, db)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    r = X @ w + b - y
    loss = float(np.mean(r * r))
    dw = (2.0 / n) * (X.T @ r)
    db = float(2.0 * np.mean(r))
    return loss, dw, db


def _sigmoid(z):
    # exp of a non-positive number only: never overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def bce_loss_grad(w, b, X, y):
    """Binary cross-entropy of ``sigmoid(X @ w + b)`` against ``y`` and its gradient."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    z = X @ w + b
    # -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
    r = _sigmoid(z) - y
    dw = (X.T @ r) / n
    db = float(np.mean(r))
    return loss, dw, db


LOSSES = {"mse": mse_loss_grad, "bce": bce_loss_grad}


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    """Train ``w, b`` by gradient descent; see spec.md for the exact protocol.

    Returns a dict: ``w`` (D,), ``b`` float, ``history`` (epochs+1, D+1) with
    ``[w, b]`` before training and after every epoch, ``losses`` (epochs+1,)
    with the full-data loss at those points.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected 'mse' or 'bce'")
    loss_grad = LOSSES[loss]
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=np.float64)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)

    history = np.empty((epochs + 1, d + 1))
    losses = np.empty(epochs + 1)
    history[0, :d], history[0, d] = w, b
    losses[0] = loss_grad(w, b, X, y)[0]
    for epoch in range(1, epochs + 1):
        if batch_size is None:
            batches = [slice(None)]
        else:
            order = rng.permutation(n)
            batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            _, dw, db = loss_grad(w, b, X[idx], y[idx])
            vw = momentum * vw + dw
            vb = momentum * vb + db
            w = w - lr * vw
            b = b - lr * vb
        history[epoch, :d], history[epoch, d] = w, b
        losses[epoch] = loss_grad(w, b, X, y)[0]
    return {"w": w, "b": float(b), "history": history, "losses": losses}
