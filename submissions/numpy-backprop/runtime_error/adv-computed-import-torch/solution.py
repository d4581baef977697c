"""Adversarial: torch's autograd behind a computed import the static check cannot read.

``importlib.import_module("to" + "rch")`` passes the forbidden-import scan.
The numpy runtime holds no torch, so the import fails when the module loads:
runtime_error, score 0 (with every framework in one environment this was
accepted with 100).
"""
import importlib

import numpy as np

torch = importlib.import_module("to" + "rch")


def softmax(scores):
    return torch.softmax(torch.as_tensor(np.asarray(scores, dtype=np.float64)), dim=1).numpy()


def loss_and_grads(params, X, y, reg=0.0):
    t = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in params.items()}
    x = torch.as_tensor(np.asarray(X, dtype=np.float64))
    scores = torch.relu(x @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = torch.nn.functional.cross_entropy(scores, torch.as_tensor(np.asarray(y), dtype=torch.long))
    loss = loss + 0.5 * reg * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    loss.backward()
    return loss.item(), {k: v.grad.numpy() for k, v in t.items()}
