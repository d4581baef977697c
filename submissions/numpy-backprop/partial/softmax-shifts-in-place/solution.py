import numpy as np


def softmax(scores):
    # save memory: shift, exponentiate and normalise in place
    scores -= np.max(scores, axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= np.sum(scores, axis=1, keepdims=True)
    return scores


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = X @ W1 + b1
    a = np.maximum(0, h)
    s = a @ W2 + b2
    m = np.max(s, axis=1, keepdims=True)
    log_probs = s - m - np.log(np.sum(np.exp(s - m), axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(N), y])
    loss += 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))

    dscores = softmax(s)          # s is not needed any more
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = a.T @ dscores + reg * W2
    db2 = np.sum(dscores, axis=0)
    dh = dscores @ W2.T
    dh[h <= 0] = 0
    dW1 = X.T @ dh + reg * W1
    db1 = np.sum(dh, axis=0)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
