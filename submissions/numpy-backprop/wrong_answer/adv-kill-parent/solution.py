"""Adversarial: kill the process that runs it, then every process it can reach.

In a container the parent is PID 1 (an init that ignores the signal) and
kill(-1) reaches only the sandbox's own processes; the run goes on and the
zeros are judged: wrong_answer.
"""
import os
import signal

import numpy as np

for _target in (os.getppid(), 1):
    try:
        os.kill(_target, signal.SIGKILL)
    except OSError:
        pass


def softmax(scores):
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    return 0.0, {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
