"""optimizers: SGD (momentum, dampening, Nesterov), RMSprop, Adam and AdamW. NumPy only."""
import numpy as np


def _nonneg(name, value):
    v = float(value)
    if not v >= 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return v


def _unit(name, value):
    v = float(value)
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return v


class _Optimizer:
    """Shared bookkeeping: params dict (kept by reference), per-parameter state, validation."""

    def __init__(self, params, lr, weight_decay, no_decay):
        self.params = params
        self.lr = _nonneg("lr", lr)
        self.weight_decay = _nonneg("weight_decay", weight_decay)
        self.no_decay = frozenset(no_decay)
        self.state = {}

    def _decay_for(self, name):
        return 0.0 if name in self.no_decay else self.weight_decay

    def _collect(self, grads):
        """Validate all gradients first; return [(name, param array, float64 copy of grad)]."""
        todo = []
        for name, g in grads.items():
            if name not in self.params:
                raise KeyError(name)
            if g is None:
                continue
            p = self.params[name]
            g = np.asarray(g)
            if g.shape != np.shape(p):
                raise ValueError(f"gradient of {name!r} has shape {g.shape}, parameter {np.shape(p)}")
            todo.append((name, p, np.array(g, dtype=np.float64, copy=True)))
        return todo

    def step(self, grads):
        lr = float(self.lr)
        for name, p, g in self._collect(grads):
            first = name not in self.state
            if first:
                self.state[name] = {}
            new = self._update(name, p, g, self.state[name], first, lr)
            p[...] = new
        return None

    def _update(self, name, p, g, state, first, lr):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(_Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, no_decay=()):
        """params: dict name -> float64 array, kept (not copied) in self.params."""
        super().__init__(params, lr, weight_decay, no_decay)
        self.momentum = _nonneg("momentum", momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov needs momentum > 0 and dampening == 0")

    def _update(self, name, p, g, state, first, lr):
        wd = self._decay_for(name)
        g = g + wd * p
        mu = self.momentum
        if mu != 0.0:
            if first:
                buf = g.copy()
            else:
                buf = mu * state["momentum_buffer"] + (1.0 - self.dampening) * g
            state["momentum_buffer"] = buf
            d = g + mu * buf if self.nesterov else buf
        else:
            d = g
        return p - lr * d


class RMSprop(_Optimizer):
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        self.alpha = _unit("alpha", alpha)
        self.eps = _nonneg("eps", eps)

    def _update(self, name, p, g, state, first, lr):
        wd = self._decay_for(name)
        g = g + wd * p
        v = np.zeros_like(p, dtype=np.float64) if first else state["square_avg"]
        v = self.alpha * v + (1.0 - self.alpha) * g * g
        state["square_avg"] = v
        return p - lr * g / (np.sqrt(v) + self.eps)


class _AdamBase(_Optimizer):
    decoupled = False

    def __init__(self, params, lr, betas, eps, weight_decay, no_decay):
        super().__init__(params, lr, weight_decay, no_decay)
        b1, b2 = betas
        self.betas = (_unit("beta1", b1), _unit("beta2", b2))
        self.eps = _nonneg("eps", eps)

    def _update(self, name, p, g, state, first, lr):
        wd = self._decay_for(name)
        b1, b2 = self.betas
        if self.decoupled:
            p = p - lr * wd * p
        else:
            g = g + wd * p
        if first:
            t = 0
            m = np.zeros_like(g)
            v = np.zeros_like(g)
        else:
            t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        t = int(t) + 1
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g * g
        state["step"] = t
        state["exp_avg"] = m
        state["exp_avg_sq"] = v
        m_hat = m / (1.0 - b1 ** t)
        v_hat = v / (1.0 - b2 ** t)
        return p - lr * m_hat / (np.sqrt(v_hat) + self.eps)


class Adam(_AdamBase):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 no_decay=()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)


class AdamW(_AdamBase):
    decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 no_decay=()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)
