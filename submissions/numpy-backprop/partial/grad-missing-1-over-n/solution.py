import numpy as np


def softmax(scores):
    s = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    idx = np.arange(N)

    h = X @ W1 + b1
    relu = np.maximum(h, 0)
    scores = relu @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[idx, y].mean() + 0.5 * reg * (np.sum(W1**2) + np.sum(W2**2))

    # dL/dscores = p - onehot
    dscores = np.exp(log_probs)
    dscores[idx, y] -= 1

    dW2 = relu.T @ dscores + reg * W2
    db2 = dscores.sum(axis=0)
    dh = (dscores @ W2.T) * (h > 0)
    dW1 = X.T @ dh + reg * W1
    db1 = dh.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
