"""Accepted: the intercept folded into one parameter vector (bias trick)."""
import numpy as np


def _augment(X):
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.ones(len(X))])


def _mse(theta, A, y):
    residual = A @ theta - y
    return residual @ residual / len(y), 2.0 * A.T @ residual / len(y)


def _bce(theta, A, y):
    z = A @ theta
    # log(1 + e^z) without overflow, and sigmoid via tanh (bounded for any z)
    loss = np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z)
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    return loss, A.T @ (p - y) / len(y)


def mse_loss_grad(w, b, X, y):
    loss, g = _mse(np.append(w, b), _augment(X), np.asarray(y, dtype=np.float64))
    return float(loss), g[:-1], float(g[-1])


def bce_loss_grad(w, b, X, y):
    loss, g = _bce(np.append(w, b), _augment(X), np.asarray(y, dtype=np.float64))
    return float(loss), g[:-1], float(g[-1])


def _batches(n, batch_size, rng):
    if batch_size is None:
        yield np.arange(n)
        return
    perm = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield perm[start:start + batch_size]


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    objectives = {"mse": _mse, "bce": _bce}
    if loss not in objectives:
        raise ValueError(f"loss must be 'mse' or 'bce', not {loss!r}")
    objective = objectives[loss]
    A = _augment(X)
    y = np.asarray(y, dtype=np.float64)
    d = A.shape[1] - 1
    theta = np.zeros(d + 1)
    if w0 is not None:
        theta[:d] = w0
    theta[d] = b0
    velocity = np.zeros_like(theta)
    rng = np.random.default_rng(seed)

    history = [theta.copy()]
    losses = [objective(theta, A, y)[0]]
    for _ in range(epochs):
        for idx in _batches(len(y), batch_size, rng):
            velocity = momentum * velocity + objective(theta, A[idx], y[idx])[1]
            theta = theta - lr * velocity
        history.append(theta.copy())
        losses.append(objective(theta, A, y)[0])
    return {"w": theta[:d].copy(), "b": float(theta[d]),
            "history": np.array(history), "losses": np.array(losses, dtype=np.float64)}
