import numpy as np


def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    p = softmax(a @ W2 + b2)
    loss = -np.mean(np.log(p[np.arange(N), y])) + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    ds = p.copy()
    ds[np.arange(N), y] -= 1
    ds /= N
    dh = (ds @ W2.T) * (h > 0)
    return loss, {"W1": X.T @ dh + reg * W1, "b1": dh.sum(0), "W2": a.T @ ds + reg * W2, "b2": ds.sum(0)}
