"""Per-optimizer update functions in the style of torch.optim's functional API,
Adam's denominator written as sqrt(v) / sqrt(1 - beta2**t) + eps."""
import math

import numpy as np


def _check(cond, what):
    if not cond:
        raise ValueError(what)


def sgd_update(p, g, buf, lr, momentum, dampening, nesterov):
    if momentum != 0:
        buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    p -= lr * g
    return buf


def adam_update(p, g, st, lr, b1, b2, eps):
    st["step"] = st.get("step", 0) + 1
    t = st["step"]
    st["exp_avg"] = b1 * st.get("exp_avg", 0.0) + (1 - b1) * g
    st["exp_avg_sq"] = b2 * st.get("exp_avg_sq", 0.0) + (1 - b2) * g * g
    bc1 = 1 - b1 ** t
    bc2 = 1 - b2 ** t
    denom = np.sqrt(st["exp_avg_sq"]) / math.sqrt(bc2) + eps
    p -= (lr / bc1) * st["exp_avg"] / denom


class _Base:
    def __init__(self, params, lr, weight_decay, no_decay):
        _check(lr >= 0, "lr")
        _check(weight_decay >= 0, "weight_decay")
        self.params = params
        self.lr = lr
        self.weight_decay = weight_decay
        self.no_decay = tuple(no_decay)
        self.state = {}

    def _items(self, grads):
        for name in grads:
            if name not in self.params:
                raise KeyError(name)
        items = [(n, g) for n, g in grads.items() if g is not None]
        for n, g in items:
            _check(np.shape(g) == self.params[n].shape, f"shape of {n}")
        for n, g in items:
            wd = self.weight_decay if n not in self.no_decay else 0.0
            yield n, self.params[n], np.asarray(g, dtype=np.float64), wd, self.state.setdefault(n, {})


class SGD(_Base):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        _check(momentum >= 0, "momentum")
        _check(not nesterov or (momentum > 0 and dampening == 0), "nesterov")
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov

    def step(self, grads):
        for _, p, g, wd, st in list(self._items(grads)):
            buf = sgd_update(p, g + wd * p, st.get("momentum_buffer"), self.lr,
                             self.momentum, self.dampening, self.nesterov)
            if buf is not None:
                st["momentum_buffer"] = buf


class RMSprop(_Base):
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        _check(0 <= alpha < 1, "alpha")
        _check(eps >= 0, "eps")
        self.alpha, self.eps = alpha, eps

    def step(self, grads):
        for _, p, g, wd, st in list(self._items(grads)):
            g = g + wd * p
            st["square_avg"] = self.alpha * st.get("square_avg", 0.0) + (1 - self.alpha) * g * g
            p -= self.lr * g / (np.sqrt(st["square_avg"]) + self.eps)


class Adam(_Base):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        _check(all(0 <= b < 1 for b in betas), "betas")
        _check(eps >= 0, "eps")
        self.betas, self.eps = tuple(betas), eps

    def step(self, grads):
        for _, p, g, wd, st in list(self._items(grads)):
            adam_update(p, g + wd * p, st, self.lr, *self.betas, self.eps)


class AdamW(Adam):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 no_decay=()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)

    def step(self, grads):
        for _, p, g, wd, st in list(self._items(grads)):
            p *= 1 - self.lr * wd
            adam_update(p, g, st, self.lr, *self.betas, self.eps)
