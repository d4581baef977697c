import numpy as np


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def mse_loss_grad(w, b, X, y):
    m = X.shape[1]  # number of examples
    z = X @ w + b
    dz = z - y
    cost = np.sum(dz ** 2) / m
    dw = 2 / m * X.T @ dz
    db = 2 / m * np.sum(dz)
    return cost, dw, db


def bce_loss_grad(w, b, X, y):
    m = X.shape[1]  # number of examples
    z = X @ w + b
    cost = np.sum(np.logaddexp(0, z) - y * z) / m
    dz = sigmoid(z) - y
    dw = 1 / m * X.T @ dz
    db = 1 / m * np.sum(dz)
    return cost, dw, db


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    propagate = {"mse": mse_loss_grad, "bce": bce_loss_grad}.get(loss)
    if propagate is None:
        raise ValueError("unknown loss")
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = b0
    v_w, v_b = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    history = np.zeros((epochs + 1, d + 1))
    losses = np.zeros(epochs + 1)
    history[0] = np.concatenate([w, [b]])
    losses[0] = propagate(w, b, X, y)[0]
    for epoch in range(1, epochs + 1):
        idx = np.arange(n) if batch_size is None else rng.permutation(n)
        step = n if batch_size is None else batch_size
        for i in range(0, n, step):
            batch = idx[i:i + step]
            _, dw, db = propagate(w, b, X[batch], y[batch])
            v_w = momentum * v_w + dw
            v_b = momentum * v_b + db
            w = w - lr * v_w
            b = b - lr * v_b
        history[epoch] = np.concatenate([w, [b]])
        losses[epoch] = propagate(w, b, X, y)[0]
    return {"w": w, "b": b, "history": history, "losses": losses}
