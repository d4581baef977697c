"""Accepted: CS231n-style layer objects, each with forward() and backward()."""
import numpy as np


class Affine:
    def forward(self, x, w, b):
        self.x, self.w = x, w
        return x.dot(w) + b

    def backward(self, dout):
        return dout.dot(self.w.T), self.x.T.dot(dout), dout.sum(axis=0)


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class SoftmaxCrossEntropy:
    def forward(self, scores, labels):
        n = scores.shape[0]
        top = scores.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(scores - top).sum(axis=1, keepdims=True)) + top
        log_probs = scores - log_z
        self.probs, self.labels, self.n = np.exp(log_probs), labels, n
        return -log_probs[np.arange(n), labels].sum() / n

    def backward(self):
        d = self.probs.copy()
        d[np.arange(self.n), self.labels] -= 1
        return d / self.n


def softmax(scores):
    scores = np.array(scores, dtype=np.float64)
    scores -= scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    fc1, relu, fc2, head = Affine(), ReLU(), Affine(), SoftmaxCrossEntropy()
    scores = fc2.forward(relu.forward(fc1.forward(X, params["W1"], params["b1"])),
                         params["W2"], params["b2"])
    loss = head.forward(scores, y)
    for name in ("W1", "W2"):
        loss += 0.5 * reg * np.sum(params[name] ** 2)

    grads = {}
    dhidden, grads["W2"], grads["b2"] = fc2.backward(head.backward())
    _, grads["W1"], grads["b1"] = fc1.backward(relu.backward(dhidden))
    grads["W1"] = grads["W1"] + reg * params["W1"]
    grads["W2"] = grads["W2"] + reg * params["W2"]
    return loss, grads
