import numpy as np


def softmax(scores):
    # subtract the max for stability, then normalise
    exps = np.exp(scores - np.max(scores, axis=0, keepdims=True))
    return exps / np.sum(exps, axis=0, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]

    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    probs = softmax(scores)

    loss = -np.mean(np.log(probs[np.arange(N), y]))
    loss += 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))

    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N

    grads = {}
    grads["W2"] = hidden.T @ dscores + reg * W2
    grads["b2"] = dscores.sum(axis=0)
    dhidden = dscores @ W2.T
    dhidden[hidden <= 0] = 0
    grads["W1"] = X.T @ dhidden + reg * W1
    grads["b1"] = dhidden.sum(axis=0)
    return loss, grads
