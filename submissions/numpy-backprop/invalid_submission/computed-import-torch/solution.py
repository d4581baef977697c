"""Attack (issue 10): take torch through a computed import and let autograd do backprop.

``importlib.import_module("to" + "rch")`` hides the name from a check that
reads only constant names; every gradient then comes from autograd. The static
check folds the literal concatenation (a forbidden import of torch) and the
integrity pass flags the computed import (numpy-backprop is strict); in the
numpy runtime torch is not installed at all.
"""
import importlib

import numpy as np

_t = importlib.import_module("to" + "rch")


def softmax(scores):
    s = _t.as_tensor(np.asarray(scores, dtype=np.float64))
    return _t.softmax(s, dim=1).numpy()


def loss_and_grads(params, X, y, reg=0.0):
    t = {k: _t.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in params.items()}
    x = _t.as_tensor(np.asarray(X, dtype=np.float64))
    scores = _t.relu(x @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = _t.nn.functional.cross_entropy(scores, _t.as_tensor(np.asarray(y), dtype=_t.long))
    loss = loss + 0.5 * reg * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    loss.backward()
    return float(loss.item()), {k: v.grad.numpy() for k, v in t.items()}
