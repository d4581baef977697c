"""optimizers: SGD (momentum, dampening, Nesterov), RMSprop, Adam and AdamW.

Use NumPy only. See spec.md for the exact update rules, the state each optimizer
keeps, which parameters weight decay applies to, and what is updated in place.
"""
import numpy as np


class SGD:
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, no_decay=()):
        """params: dict name -> float64 array, kept (not copied) in self.params."""
        raise NotImplementedError("SGD")

    def step(self, grads):
        """Update every parameter named in grads (dict name -> array or None) in place."""
        raise NotImplementedError("SGD.step")


class RMSprop:
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, no_decay=()):
        raise NotImplementedError("RMSprop")

    def step(self, grads):
        raise NotImplementedError("RMSprop.step")


class Adam:
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 no_decay=()):
        raise NotImplementedError("Adam")

    def step(self, grads):
        raise NotImplementedError("Adam.step")


class AdamW:
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 no_decay=()):
        raise NotImplementedError("AdamW")

    def step(self, grads):
        raise NotImplementedError("AdamW.step")
