import numpy as np


class Optimizer:
    """Shared bookkeeping: the caller's parameter dict, lr, weight decay, state."""

    def __init__(self, params, lr, weight_decay, no_decay):
        if lr < 0:
            raise ValueError(f"invalid lr {lr}")
        if weight_decay < 0:
            raise ValueError(f"invalid weight_decay {weight_decay}")
        self.params = params
        self.lr = lr
        self.weight_decay = weight_decay
        self.no_decay = frozenset(no_decay)
        self.state = {}

    def step(self, grads):
        for name, grad in grads.items():
            if name not in self.params:
                raise KeyError(name)
            if grad is not None and np.shape(grad) != self.params[name].shape:
                raise ValueError(f"gradient of {name!r} has shape {np.shape(grad)}")
        for name, grad in grads.items():
            if grad is None:
                continue
            param = self.params[name]
            decay = 0.0 if name in self.no_decay else self.weight_decay
            grad = np.asarray(grad, dtype=np.float64)
            self._name = name
            self._update(param, grad, decay, self.state.setdefault(name, {}))

    def _update(self, param, grad, decay, state):
        raise NotImplementedError


class SGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        if momentum < 0:
            raise ValueError(f"invalid momentum {momentum}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov needs momentum > 0 and dampening 0")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov

    def _update(self, param, grad, decay, state):
        g = grad + decay * param
        if self.momentum != 0:
            if "momentum_buffer" not in state:
                buf = g.copy()
            else:
                buf = self.momentum * state["momentum_buffer"] + (1 - self.dampening) * g
            state["momentum_buffer"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        self.params[self._name] = param - self.lr * g


class RMSprop(Optimizer):
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        if not 0 <= alpha < 1:
            raise ValueError(f"invalid alpha {alpha}")
        if eps < 0:
            raise ValueError(f"invalid eps {eps}")
        self.alpha = alpha
        self.eps = eps

    def _update(self, param, grad, decay, state):
        g = grad + decay * param
        square_avg = state.get("square_avg", np.zeros_like(param))
        square_avg = self.alpha * square_avg + (1 - self.alpha) * g * g
        state["square_avg"] = square_avg
        self.params[self._name] = param - self.lr * g / (np.sqrt(square_avg) + self.eps)


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 no_decay=()):
        super().__init__(params, lr, weight_decay, no_decay)
        beta1, beta2 = betas
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"invalid betas {betas}")
        if eps < 0:
            raise ValueError(f"invalid eps {eps}")
        self.betas = (beta1, beta2)
        self.eps = eps

    def _update(self, param, grad, decay, state):
        beta1, beta2 = self.betas
        if self.decoupled:
            param = param - self.lr * decay * param
            g = grad
        else:
            g = grad + decay * param
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", np.zeros_like(param)) + (1 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", np.zeros_like(param)) + (1 - beta2) * g * g
        state.update(step=t, exp_avg=m, exp_avg_sq=v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        self.params[self._name] = param - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 no_decay=()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)
