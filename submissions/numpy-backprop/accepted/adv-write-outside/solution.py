"""Adversarial: a correct solution that tries to write everywhere but /tmp and the output folder.

Every attempt must fail (read-only root and mounts); the run is judged normally
and tests/test_adversarial.py checks nothing changed on the host.
"""
import os

_TARGETS = ["/sandbox/submission/solution.py", "/sandbox/tests/conftest.py", "/sandbox/tests/pwned.py",
            "/opt/mljudge/mljudge_harness/plugin.py", "/opt/mljudge/pwned.py", "/etc/passwd", "/pwned",
            "/usr/lib/pwned", "/root/pwned", "/var/pwned", "/opt/venv/pwned.py"]
for _path in _TARGETS:
    try:
        with open(_path, "a") as _fh:
            _fh.write("# pwned\n")
    except OSError:
        pass

import numpy as np

import numpy as np


def softmax(scores):
    z = np.asarray(scores, dtype=float)
    z = z - np.amax(z, axis=-1)[:, None]
    np.exp(z, out=z)
    z /= np.sum(z, axis=-1)[:, None]
    return z


def _logsumexp(z):
    m = np.amax(z, axis=1)
    return m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))


def loss_and_grads(params, X, y, reg=0.0):
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

    dlogits = (softmax(logits) - onehot) / n
    grads = {
        "W2": np.einsum("nh,nc->hc", act, dlogits) + reg * W2,
        "b2": dlogits.sum(axis=0),
    }
    dpre = np.einsum("nc,hc->nh", dlogits, W2)
    dpre[pre <= 0] = 0.0
    grads["W1"] = np.einsum("nd,nh->dh", X, dpre) + reg * W1
    grads["b1"] = dpre.sum(axis=0)
    return float(loss), grads
