import numpy as np


def softmax(scores):
    shifted = scores - scores.max(axis=0, keepdims=True)   # for numerical stability
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = len(X)
    rows = np.arange(N)

    h = X.dot(W1) + b1
    a = np.maximum(h, 0)
    s = a.dot(W2) + b2
    p = softmax(s)
    loss = -np.log(p[rows, y]).sum() / N + 0.5 * reg * ((W1 * W1).sum() + (W2 * W2).sum())

    ds = p
    ds[rows, y] -= 1
    ds /= N
    dW2 = a.T.dot(ds) + reg * W2
    db2 = ds.sum(0)
    dh = ds.dot(W2.T) * (h > 0)
    dW1 = X.T.dot(dh) + reg * W1
    db1 = dh.sum(0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
