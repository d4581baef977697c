import numpy as np


def softmax(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = X.dot(W1) + b1
    relu = np.maximum(hidden, 0)
    scores = relu.dot(W2) + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean() + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    dscores /= N
    grads = {"W2": relu.T.dot(dscores) + reg * W2, "b2": dscores.sum(axis=0)}
    dhidden = dscores.dot(W2.T)
    dhidden[hidden < 0] = 0       # kills negative units, but lets h == 0 through
    grads["W1"] = X.T.dot(dhidden) + reg * W1
    grads["b1"] = dhidden.sum(axis=0)
    return float(loss), grads
