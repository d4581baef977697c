import numpy as np


def mse_loss_grad(w, b, X, y):
    n = X.shape[0]
    resid = X @ w + b - y
    return float(np.mean(resid ** 2)), (2.0 / n) * X.T @ resid, float(2.0 * resid.mean())


def bce_loss_grad(w, b, X, y):
    n = X.shape[0]
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    p = np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))
    return float(loss), X.T @ (p - y) / n, float(np.mean(p - y))


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    if loss == "mse":
        grad = mse_loss_grad
    elif loss == "bce":
        grad = bce_loss_grad
    else:
        raise ValueError(f"unknown loss {loss}")
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=np.float64)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    history = np.zeros((epochs + 1, d + 1))
    losses = np.zeros(epochs + 1)
    history[0, :d], history[0, d] = w, b
    losses[0] = grad(w, b, X, y)[0]
    for epoch in range(epochs):
        if batch_size is None:
            batches = [np.arange(n)]
        else:
            rng = np.random.default_rng(seed)   # reproducible shuffling
            perm = rng.permutation(n)
            batches = [perm[i:i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            _, dw, db = grad(w, b, X[idx], y[idx])
            vw = momentum * vw + dw
            vb = momentum * vb + db
            w = w - lr * vw
            b = b - lr * vb
        history[epoch + 1, :d], history[epoch + 1, d] = w, b
        losses[epoch + 1] = grad(w, b, X, y)[0]
    return {"w": w, "b": b, "history": history, "losses": losses}
