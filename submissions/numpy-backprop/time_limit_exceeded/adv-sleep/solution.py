"""Adversarial: sleep far past every limit."""
import time

import numpy as np

time.sleep(3600)


def softmax(scores):
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    return 0.0, {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
