import numpy as np


def softmax(scores):
    scores = scores - np.max(scores, axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / np.sum(exp, axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    N = X.shape[0]
    h = X @ params["W1"] + params["b1"]
    a = np.maximum(h, 0)
    s = a @ params["W2"] + params["b2"]

    m = s.max(axis=1, keepdims=True)
    logp = s - m - np.log(np.sum(np.exp(s - m), axis=1, keepdims=True))
    loss = -np.mean(logp[np.arange(N), y])
    # L2 on every parameter
    loss += 0.5 * reg * sum(np.sum(p * p) for p in params.values())

    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1
    ds /= N
    grads = {"W2": a.T @ ds, "b2": ds.sum(axis=0)}
    dh = ds @ params["W2"].T
    dh[h <= 0] = 0
    grads["W1"] = X.T @ dh
    grads["b1"] = dh.sum(axis=0)
    for k in grads:
        grads[k] += reg * params[k]
    return loss, grads
