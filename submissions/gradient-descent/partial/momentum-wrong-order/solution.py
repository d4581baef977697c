import numpy as np


def mse_loss_grad(w, b, X, y):
    n = len(y)
    r = X @ w + b - y
    return float(r @ r / n), 2 * X.T @ r / n, float(2 * r.sum() / n)


def _sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))


def bce_loss_grad(w, b, X, y):
    n = len(y)
    z = X @ w + b
    loss = np.mean(np.logaddexp(0, z) - y * z)
    r = _sigmoid(z) - y
    return float(loss), X.T @ r / n, float(r.sum() / n)


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    if loss not in ("mse", "bce"):
        raise ValueError(loss)
    f = mse_loss_grad if loss == "mse" else bce_loss_grad
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.asarray(w0, dtype=float).copy()
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    hist, losses = [np.r_[w, b]], [f(w, b, X, y)[0]]
    for _ in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        size = n if batch_size is None else batch_size
        for s in range(0, n, size):
            idx = order[s:s + size]
            _, dw, db = f(w, b, X[idx], y[idx])
            # step with the velocity, then accumulate the new gradient
            w = w - lr * vw
            b = b - lr * vb
            vw = momentum * vw + dw
            vb = momentum * vb + db
        hist.append(np.r_[w, b])
        losses.append(f(w, b, X, y)[0])
    return {"w": w, "b": b, "history": np.array(hist), "losses": np.array(losses)}
