"""Plain-form BCE through a stable log-sigmoid, einsum for every product, NumPy
scalars (np.float64 / 0-d arrays) instead of Python floats, and the momentum
written as v <- mu v - lr g, p <- p + v."""
import numpy as np


def _log_sigmoid(z):
    return -np.logaddexp(0.0, -z)          # log(1 / (1 + e^-z)), exact for any z


def _sigmoid(z):
    return np.exp(_log_sigmoid(z))


def mse_loss_grad(w, b, X, y):
    resid = np.einsum("nd,d->n", X, w) + b - y
    n = resid.shape[0]
    loss = np.einsum("n,n->", resid, resid) / n            # np.float64
    dw = np.einsum("nd,n->d", X, resid) * (2.0 / n)
    db = np.array(2.0 * resid.sum() / n)                   # a 0-d array
    return loss, dw, db


def bce_loss_grad(w, b, X, y):
    z = np.einsum("nd,d->n", X, w) + b
    n = z.shape[0]
    # -[y log p + (1 - y) log(1 - p)], with log(1 - p) = log_sigmoid(-z)
    loss = -np.mean(y * _log_sigmoid(z) + (1.0 - y) * _log_sigmoid(-z))
    delta = _sigmoid(z) - y
    return loss, np.einsum("nd,n->d", X, delta) / n, np.array(delta.mean())


def _batches(n, batch_size, rng):
    if batch_size is None:
        yield np.arange(n)
        return
    perm = rng.permutation(n)
    start = 0
    while start < n:
        yield perm[start:start + batch_size]
        start += batch_size


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    grad = {"mse": mse_loss_grad, "bce": bce_loss_grad}.get(loss)
    if grad is None:
        raise ValueError(f"loss must be 'mse' or 'bce', not {loss!r}")
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=np.float64, copy=True)
    b = np.float64(b0)
    vel_w, vel_b = np.zeros(d), np.float64(0.0)
    rng = np.random.default_rng(seed)
    history = np.zeros((epochs + 1, d + 1))
    losses = np.zeros(epochs + 1)
    history[0] = np.concatenate([w, [b]])
    losses[0] = grad(w, b, X, y)[0]
    for epoch in range(1, epochs + 1):
        for rows in _batches(n, batch_size, rng):
            _, gw, gb = grad(w, b, X[rows], y[rows])
            vel_w = momentum * vel_w - lr * gw
            vel_b = momentum * vel_b - lr * gb
            w = w + vel_w
            b = b + vel_b
        history[epoch] = np.concatenate([w, [b]])
        losses[epoch] = grad(w, b, X, y)[0]
    return {"w": w, "b": np.float64(b), "history": history, "losses": losses}
