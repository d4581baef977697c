import numpy as np


def mse_loss_grad(w, b, X, y):
    n = len(X)
    error = X.dot(w) + b - y
    loss = np.sum(error ** 2) / n
    # d/dw of the squared error
    dw = X.T.dot(error) / n
    db = np.sum(error) / n
    return loss, dw, db


def bce_loss_grad(w, b, X, y):
    n = len(X)
    z = X.dot(w) + b
    loss = np.sum(np.logaddexp(0, z) - y * z) / n
    p = 0.5 * (1 + np.tanh(z / 2))
    return loss, X.T.dot(p - y) / n, np.sum(p - y) / n


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    loss_grad = {"mse": mse_loss_grad, "bce": bce_loss_grad}.get(loss)
    if loss_grad is None:
        raise ValueError(loss)
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    history, losses = [np.append(w, b)], [loss_grad(w, b, X, y)[0]]
    bs = n if batch_size is None else batch_size
    for _ in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        for i in range(0, n, bs):
            rows = order[i:i + bs]
            _, dw, db = loss_grad(w, b, X[rows], y[rows])
            vw = momentum * vw + dw
            vb = momentum * vb + db
            w, b = w - lr * vw, b - lr * vb
        history.append(np.append(w, b))
        losses.append(loss_grad(w, b, X, y)[0])
    return {"w": w, "b": b, "history": np.array(history), "losses": np.array(losses)}
