import numpy as np


def softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    return exp_scores / exp_scores.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    n = X.shape[0]

    hidden_in = X @ W1 + b1
    hidden = np.maximum(hidden_in, 0.0)
    probs = softmax(hidden @ W2 + b2)   # stable softmax...
    loss = -np.mean(np.log(probs[np.arange(n), y]))   # ...but log of a probability that can be 0
    loss += 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))

    dout = probs.copy()
    dout[np.arange(n), y] -= 1.0
    dout /= n
    dhidden = dout @ W2.T
    dhidden *= hidden_in > 0
    return loss, {
        "W1": X.T @ dhidden + reg * W1,
        "b1": dhidden.sum(axis=0),
        "W2": hidden.T @ dout + reg * W2,
        "b2": dout.sum(axis=0),
    }
