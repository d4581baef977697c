import numpy as np


def softmax(scores):
    e = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    s = a @ W2 + b2
    m = s.max(axis=1, keepdims=True)
    logp = s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean() + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    d = np.exp(logp)
    d[np.arange(N), y] -= 1
    d /= N
    # weight decay first, then the data term
    dW2 = W2
    dW2 *= reg
    dW2 += a.T @ d
    db2 = d.sum(axis=0)
    dh = (d @ params["W2"].T) * (h > 0)
    dW1 = W1
    dW1 *= reg
    dW1 += X.T @ dh
    db1 = dh.sum(axis=0)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
