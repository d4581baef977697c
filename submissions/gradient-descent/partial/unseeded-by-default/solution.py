import numpy as np


def mse_loss_grad(w, b, X, y):
    n = X.shape[0]
    err = X @ w + b - y
    return float(np.mean(err ** 2)), 2.0 * X.T @ err / n, float(2.0 * np.mean(err))


def sigmoid(z):
    out = np.empty_like(z, dtype=float)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def bce_loss_grad(w, b, X, y):
    n = X.shape[0]
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    err = sigmoid(z) - y
    return float(loss), X.T @ err / n, float(np.mean(err))


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=None, w0=None, b0=0.0):
    if loss == "mse":
        grad_fn = mse_loss_grad
    elif loss == "bce":
        grad_fn = bce_loss_grad
    else:
        raise ValueError(f"unknown loss: {loss}")
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    history = [np.append(w, b)]
    losses = [grad_fn(w, b, X, y)[0]]
    for _ in range(epochs):
        if batch_size is None:
            batches = [np.arange(n)]
        else:
            perm = rng.permutation(n)
            batches = [perm[i:i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            _, dw, db = grad_fn(w, b, X[idx], y[idx])
            vw = momentum * vw + dw
            vb = momentum * vb + db
            w = w - lr * vw
            b = b - lr * vb
        history.append(np.append(w, b))
        losses.append(grad_fn(w, b, X, y)[0])
    return {"w": w, "b": b, "history": np.array(history), "losses": np.array(losses)}
