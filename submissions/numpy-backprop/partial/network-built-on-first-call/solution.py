import numpy as np


def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class TwoLayerNet:
    def __init__(self, params):
        self.params = params

    def loss(self, X, y, reg):
        p = self.params
        n = X.shape[0]
        h = X @ p["W1"] + p["b1"]
        a = np.maximum(h, 0.0)
        s = a @ p["W2"] + p["b2"]
        top = s.max(axis=1, keepdims=True)
        log_p = s - top - np.log(np.exp(s - top).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(n), y].mean()
        loss += 0.5 * reg * ((p["W1"] ** 2).sum() + (p["W2"] ** 2).sum())
        ds = np.exp(log_p)
        ds[np.arange(n), y] -= 1.0
        ds /= n
        grads = {"W2": a.T @ ds + reg * p["W2"], "b2": ds.sum(axis=0)}
        dh = (ds @ p["W2"].T) * (h > 0)
        grads["W1"] = X.T @ dh + reg * p["W1"]
        grads["b1"] = dh.sum(axis=0)
        return float(loss), grads


_net = None


def loss_and_grads(params, X, y, reg=0.0):
    global _net
    if _net is None:          # build the network once
        _net = TwoLayerNet(params)
    return _net.loss(X, y, reg)
