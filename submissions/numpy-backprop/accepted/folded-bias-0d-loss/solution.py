"""Biases folded into the weight matrices (a column of ones appended to the
inputs), a row-by-row softmax loop, the ReLU derivative as a Heaviside step,
and the loss returned as a 0-d float64 array."""
import numpy as np


def softmax(scores):
    out = np.empty(scores.shape, dtype=np.float64)
    for i, row in enumerate(scores):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


def _with_ones(m):
    return np.hstack([m, np.ones((m.shape[0], 1))])


def loss_and_grads(params, X, y, reg=0.0):
    n = X.shape[0]
    theta1 = np.vstack([params["W1"], params["b1"][None, :]])   # (D+1, H)
    theta2 = np.vstack([params["W2"], params["b2"][None, :]])   # (H+1, C)

    x1 = _with_ones(X)
    h = x1 @ theta1
    a1 = _with_ones(np.maximum(h, 0.0))
    s = a1 @ theta2

    top = s.max(axis=1)
    lse = top + np.log(np.exp(s - top[:, None]).sum(axis=1))
    picked = s[np.arange(n), y]
    data = np.sum(lse - picked) / n
    penalty = 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    loss = np.array(data + penalty)            # a 0-d array is a scalar too

    g = np.exp(s - lse[:, None])
    g[np.arange(n), y] -= 1.0
    g /= n
    dtheta2 = a1.T @ g
    dh = (g @ theta2[:-1].T) * np.heaviside(h, 0.0)   # step(0) = 0
    dtheta1 = x1.T @ dh
    return loss, {
        "W1": dtheta1[:-1] + reg * params["W1"],
        "b1": dtheta1[-1].copy(),
        "W2": dtheta2[:-1] + reg * params["W2"],
        "b2": dtheta2[-1].copy(),
    }
