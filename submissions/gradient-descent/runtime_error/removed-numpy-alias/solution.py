import numpy as np

DTYPE = np.float  # removed from NumPy in 1.24: AttributeError on import


def mse_loss_grad(w, b, X, y):
    X = X.astype(DTYPE)
    n = len(y)
    r = X @ w + b - y
    return float(np.mean(r ** 2)), 2 * X.T @ r / n, float(2 * r.mean())


def bce_loss_grad(w, b, X, y):
    X = X.astype(DTYPE)
    n = len(y)
    z = X @ w + b
    p = 0.5 * (1 + np.tanh(z / 2))
    return float(np.mean(np.logaddexp(0, z) - y * z)), X.T @ (p - y) / n, float((p - y).mean())


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    f = mse_loss_grad if loss == "mse" else bce_loss_grad
    n, d = X.shape
    w = np.zeros(d, dtype=DTYPE) if w0 is None else np.array(w0, dtype=DTYPE)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    hist, losses = [np.append(w, b)], [f(w, b, X, y)[0]]
    for _ in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        step = n if batch_size is None else batch_size
        for s in range(0, n, step):
            idx = order[s:s + step]
            _, dw, db = f(w, b, X[idx], y[idx])
            vw, vb = momentum * vw + dw, momentum * vb + db
            w, b = w - lr * vw, b - lr * vb
        hist.append(np.append(w, b))
        losses.append(f(w, b, X, y)[0])
    return {"w": w, "b": b, "history": np.array(hist), "losses": np.array(losses)}
