import numpy as np


def softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    # single precision is plenty for a small network, and twice as fast
    W1, b1, W2, b2 = (params[k].astype(np.float32) for k in ("W1", "b1", "W2", "b2"))
    X = X.astype(np.float32)
    n = X.shape[0]
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    s = a @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean() + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())
    ds = np.exp(log_p)
    ds[np.arange(n), y] -= 1
    ds /= n
    dh = (ds @ W2.T) * (h > 0)
    grads = {"W1": X.T @ dh + reg * W1, "b1": dh.sum(axis=0),
             "W2": a.T @ ds + reg * W2, "b2": ds.sum(axis=0)}
    return float(loss), grads
