"""Accepted: an optimiser object with the 'v = mu v - lr g; w += v' form of momentum."""
import numpy as np


def _sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def mse_loss_grad(w, b, X, y):
    n = len(y)
    err = np.dot(X, w) + b - y
    return float(np.dot(err, err) / n), np.dot(X.T, err) * (2.0 / n), float(err.sum() * 2.0 / n)


def bce_loss_grad(w, b, X, y):
    n = len(y)
    z = np.dot(X, w) + b
    # y=1: log(1+e^-z); y=0: log(1+e^z)
    per_example = np.where(y == 1.0, np.logaddexp(0.0, -z), np.logaddexp(0.0, z))
    per_example = np.where((y == 1.0) | (y == 0.0), per_example, np.logaddexp(0.0, z) - y * z)
    err = _sigmoid(z) - y
    return float(per_example.sum() / n), np.dot(X.T, err) / n, float(err.sum() / n)


class Momentum:
    """Classical momentum written as v <- mu v - lr g, p <- p + v (same iterates)."""

    def __init__(self, lr, mu, shapes):
        self.lr, self.mu = lr, mu
        self.v = [np.zeros(s) for s in shapes]

    def step(self, params, grads):
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.v[i] = self.mu * self.v[i] - self.lr * g
            out.append(p + self.v[i])
        return out


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    try:
        f = {"mse": mse_loss_grad, "bce": bce_loss_grad}[loss]
    except KeyError:
        raise ValueError("loss must be 'mse' or 'bce'") from None
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = np.float64(b0)
    opt = Momentum(lr, momentum, [(d,), ()])
    rng = np.random.default_rng(seed)

    history = np.zeros((epochs + 1, d + 1))
    losses = np.zeros(epochs + 1)
    history[0] = np.r_[w, b]
    losses[0] = f(w, b, X, y)[0]
    for e in range(epochs):
        order = np.arange(n)
        if batch_size is not None:
            rng.shuffle(order)          # same stream as rng.permutation(n)
            step = batch_size
        else:
            step = n
        for start in range(0, n, step):
            rows = order[start:start + step]
            _, gw, gb = f(w, b, X[rows], y[rows])
            w, b = opt.step([w, b], [gw, np.float64(gb)])
        history[e + 1] = np.r_[w, b]
        losses[e + 1] = f(w, b, X, y)[0]
    return {"w": w, "b": float(b), "history": history, "losses": losses}
