"""Adversarial: returns the right answers only if it can reach the network.

Pretends to fetch answers from outside: any successful connection (internet,
the Docker host's API, a metadata service) makes it return the correct
values. In a sandbox with no network every attempt fails and it returns
zeros, so wrong_answer shows the network was closed.
"""
import socket

import numpy as np

_TARGETS = [("1.1.1.1", 53), ("8.8.8.8", 53), ("172.17.0.1", 2375), ("172.17.0.1", 22),
            ("169.254.169.254", 80), ("10.0.2.2", 80)]


def _online():
    for host, port in _TARGETS:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            continue
    return False


_ONLINE = _online()

import numpy as np


def _softmax_fetched(scores):
    z = np.asarray(scores, dtype=float)
    z = z - np.amax(z, axis=-1)[:, None]
    np.exp(z, out=z)
    z /= np.sum(z, axis=-1)[:, None]
    return z


def _logsumexp(z):
    m = np.amax(z, axis=1)
    return m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))


def _loss_fetched(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n, num_classes = X.shape[0], W2.shape[1]
    onehot = np.zeros((n, num_classes))
    onehot[np.arange(n), y] = 1.0

    pre = np.einsum("nd,dh->nh", X, W1) + b1
    act = np.where(pre > 0, pre, 0.0)
    logits = np.einsum("nh,hc->nc", act, W2) + b2

    correct = np.einsum("nc,nc->n", logits, onehot)
    loss = np.mean(_logsumexp(logits) - correct)
    loss += reg * 0.5 * (np.einsum("ij,ij->", W1, W1) + np.einsum("ij,ij->", W2, W2))

    dlogits = (_softmax_fetched(logits) - onehot) / n
    grads = {
        "W2": np.einsum("nh,nc->hc", act, dlogits) + reg * W2,
        "b2": dlogits.sum(axis=0),
    }
    dpre = np.einsum("nc,hc->nh", dlogits, W2)
    dpre[pre <= 0] = 0.0
    grads["W1"] = np.einsum("nd,nh->dh", X, dpre) + reg * W1
    grads["b1"] = dpre.sum(axis=0)
    return float(loss), grads


def softmax(scores):
    if _ONLINE:
        return _softmax_fetched(scores)
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    if _ONLINE:
        return _loss_fetched(params, X, y, reg)
    return 0.0, {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
