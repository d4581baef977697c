"""Adversarial: torch's autograd behind an import whose name is built at run time.

The name is not foldable from literals, so the forbidden-import scan cannot
resolve it; numpy-backprop is strict, so the integrity pass rejects the
computed import (invalid_submission). With the static layers off (the
adversarial test, sample.yaml ``sandbox_verdict``) the numpy runtime holds no
torch and the import fails when the module loads: runtime_error, score 0
(with every framework in one environment this was accepted with 100).
"""
import importlib

import numpy as np

torch = importlib.import_module("".join(map(chr, (116, 111, 114, 99, 104))))


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
