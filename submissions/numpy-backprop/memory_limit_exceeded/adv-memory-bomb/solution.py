"""Adversarial: allocate (and touch) memory until something stops it."""
import numpy as np

_hoard = []


def softmax(scores):
    while True:
        _hoard.append(np.ones(64 << 20, dtype=np.uint8))


def loss_and_grads(params, X, y, reg=0.0):
    while True:
        _hoard.append(np.ones(64 << 20, dtype=np.uint8))
