"""Loss scaler with boolean flags, unscaling by the reciprocal, gradient clipping written by hand."""
import math

import torch


class LossScaler:
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        ok = (isinstance(init_scale, (int, float)) and math.isfinite(init_scale) and init_scale > 0
              and growth_factor > 1 and 0 < backoff_factor < 1
              and isinstance(growth_interval, int) and not isinstance(growth_interval, bool)
              and growth_interval >= 1)
        if not ok:
            raise ValueError("invalid LossScaler arguments")
        self.state = {"scale": float(init_scale), "growth_factor": float(growth_factor),
                      "backoff_factor": float(backoff_factor), "growth_interval": growth_interval,
                      "growth_tracker": 0}
        self._unscaled = False
        self._stepped = False
        self._found_inf = None

    def get_scale(self):
        return self.state["scale"]

    def scale(self, loss):
        return self.state["scale"] * loss

    def unscale_(self, optimizer):
        if self._unscaled or self._stepped:
            raise RuntimeError("already unscaled in this iteration")
        inv = 1.0 / self.state["scale"]
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        bad = torch.zeros((), dtype=torch.bool)
        for g in grads:
            g.mul_(inv)
            bad |= ~torch.isfinite(g).all()
        self._found_inf = bool(bad)
        self._unscaled = True
        return self._found_inf

    def step(self, optimizer):
        if self._stepped:
            raise RuntimeError("step() twice in one iteration")
        if not self._unscaled:
            self.unscale_(optimizer)
        self._stepped = True
        if not self._found_inf:
            optimizer.step()
        return not self._found_inf

    def update(self):
        if self._found_inf is None:
            raise RuntimeError("nothing to update")
        st = self.state
        if self._found_inf:
            st["scale"] = st["scale"] * st["backoff_factor"]
            st["growth_tracker"] = 0
        elif st["growth_tracker"] + 1 >= st["growth_interval"]:
            st["scale"] = st["scale"] * st["growth_factor"]
            st["growth_tracker"] = 0
        else:
            st["growth_tracker"] += 1
        self._unscaled = self._stepped = False
        self._found_inf = None

    def state_dict(self):
        return dict(self.state)

    def load_state_dict(self, state):
        self.state = {"scale": float(state["scale"]), "growth_factor": float(state["growth_factor"]),
                      "backoff_factor": float(state["backoff_factor"]),
                      "growth_interval": int(state["growth_interval"]),
                      "growth_tracker": int(state["growth_tracker"])}
        self._unscaled = self._stepped = False
        self._found_inf = None


def _clip(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)


def train_step(model, optimizer, scaler, loss_fn, x, y, *, max_grad_norm=None):
    for p in model.parameters():
        p.grad = None
    ctx = torch.autocast("cpu", dtype=torch.bfloat16)
    with ctx:
        logits = model(x)
    loss = loss_fn(logits.to(torch.float32), y)
    scaler.scale(loss).backward()
    if max_grad_norm is not None:
        scaler.unscale_(optimizer)
        _clip(list(model.parameters()), max_grad_norm)
    stepped = scaler.step(optimizer)
    scaler.update()
    return float(loss), bool(stepped)
