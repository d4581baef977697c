"""Adversarial: one NumPy call that runs for minutes in C.

Signals (pytest-timeout) cannot interrupt it; only the judge's wall clock can.
The broadcast view costs no memory, the sum visits 2**40 elements.
"""
import numpy as np


def _forever():
    return float(np.broadcast_to(np.float64(1.0), (1 << 40,)).sum())


def softmax(scores):
    _forever()
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    _forever()
    return 0.0, {}
