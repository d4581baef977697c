import numpy as np


def _validate_grads(params, grads):
    for k, g in grads.items():
        if k not in params:
            raise KeyError(f"unknown parameter {k}")
        if g is not None and np.shape(g) != np.shape(params[k]):
            raise ValueError(f"bad gradient shape for {k}")


class SGD:
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, no_decay=()):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError("negative hyperparameter")
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.params, self.lr, self.momentum = params, lr, momentum
        self.dampening, self.nesterov = dampening, nesterov
        self.weight_decay, self.no_decay = weight_decay, set(no_decay)
        self.state = {}

    def step(self, grads):
        _validate_grads(self.params, grads)
        for k, g in grads.items():
            if g is None:
                continue
            p = self.params[k]
            if self.weight_decay and k not in self.no_decay:
                g += self.weight_decay * p
            if self.momentum:
                st = self.state.setdefault(k, {})
                if "momentum_buffer" in st:
                    buf = st["momentum_buffer"]
                    buf *= self.momentum
                    buf += (1.0 - self.dampening) * g
                else:
                    buf = st["momentum_buffer"] = np.array(g, dtype=np.float64, copy=True)
                g = g + self.momentum * buf if self.nesterov else buf
            p[...] = p - self.lr * g


class RMSprop:
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, no_decay=()):
        if lr < 0 or eps < 0 or weight_decay < 0 or not (0.0 <= alpha < 1.0):
            raise ValueError("invalid hyperparameter")
        self.params, self.lr, self.alpha, self.eps = params, lr, alpha, eps
        self.weight_decay, self.no_decay = weight_decay, set(no_decay)
        self.state = {}

    def step(self, grads):
        _validate_grads(self.params, grads)
        for k, g in grads.items():
            if g is None:
                continue
            p = self.params[k]
            if k not in self.no_decay:
                g = g + self.weight_decay * p
            st = self.state.setdefault(k, {"square_avg": np.zeros(np.shape(p))})
            sq = st["square_avg"]
            sq *= self.alpha
            sq += (1.0 - self.alpha) * np.square(g)
            p[...] -= self.lr * g / (np.sqrt(sq) + self.eps)


class _AdamBase:
    decoupled = False

    def __init__(self, params, lr, betas, eps, weight_decay, no_decay):
        b1, b2 = betas
        if lr < 0 or eps < 0 or weight_decay < 0 or not (0 <= b1 < 1) or not (0 <= b2 < 1):
            raise ValueError("invalid hyperparameter")
        self.params, self.lr, self.betas, self.eps = params, lr, (b1, b2), eps
        self.weight_decay, self.no_decay = weight_decay, set(no_decay)
        self.state = {}

    def step(self, grads):
        _validate_grads(self.params, grads)
        b1, b2 = self.betas
        for k, g in grads.items():
            if g is None:
                continue
            p = self.params[k]
            wd = 0.0 if k in self.no_decay else self.weight_decay
            if self.decoupled:
                np.multiply(p, 1.0 - self.lr * wd, out=p)
            else:
                g = g + wd * p
            st = self.state.setdefault(k, {"step": 0, "exp_avg": np.zeros(np.shape(p)),
                                           "exp_avg_sq": np.zeros(np.shape(p))})
            st["step"] += 1
            t = st["step"]
            st["exp_avg"] = b1 * st["exp_avg"] + (1 - b1) * g
            st["exp_avg_sq"] = b2 * st["exp_avg_sq"] + (1 - b2) * g ** 2
            denom = np.sqrt(st["exp_avg_sq"] / (1 - b2 ** t)) + self.eps
            np.subtract(p, self.lr * (st["exp_avg"] / (1 - b1 ** t)) / denom, out=p)


class Adam(_AdamBase):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 no_decay=()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)


class AdamW(_AdamBase):
    decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 no_decay=()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)
