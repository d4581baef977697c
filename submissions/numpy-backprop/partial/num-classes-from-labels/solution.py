import numpy as np


def softmax(scores):
    z = scores - np.max(scores, axis=1, keepdims=True)
    ez = np.exp(z)
    return ez / np.sum(ez, axis=1, keepdims=True)


def one_hot(y):
    num_classes = np.max(y) + 1
    return np.eye(num_classes)[y]


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = len(X)
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    s = a @ W2 + b2
    z = s - np.max(s, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    Y = one_hot(y)
    loss = -np.sum(Y * log_p) / n + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    ds = (np.exp(log_p) - Y) / n
    dW2 = a.T @ ds + reg * W2
    db2 = ds.sum(axis=0)
    dh = (ds @ W2.T) * (h > 0)
    dW1 = X.T @ dh + reg * W1
    db1 = dh.sum(axis=0)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
