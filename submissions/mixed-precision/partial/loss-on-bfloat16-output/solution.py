"""bfloat16 autocast training with a hand-written dynamic loss scaler. See spec.md."""
import math

import torch

READY, UNSCALED, STEPPED = "ready", "unscaled", "stepped"


class LossScaler:
    """Dynamic loss scaling: scale the loss, unscale the gradients, skip steps that overflow."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        if not init_scale > 0 or math.isinf(init_scale):
            raise ValueError("init_scale must be a positive finite number")
        if not growth_factor > 1.0:
            raise ValueError("growth_factor must be > 1")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError("backoff_factor must lie in (0, 1)")
        if not (isinstance(growth_interval, int) and growth_interval >= 1):
            raise ValueError("growth_interval must be a positive int")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._stage = READY
        self._found_inf = False

    def get_scale(self):
        return self._scale

    def scale(self, loss):
        return loss * self._scale

    def unscale_(self, optimizer):
        if self._stage != READY:
            raise RuntimeError("unscale_() has already been called since the last update()")
        found_inf = False
        with torch.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.div_(self._scale)
                    if not bool(torch.isfinite(p.grad).all()):
                        found_inf = True
        self._found_inf = found_inf
        self._stage = UNSCALED
        return found_inf

    def step(self, optimizer):
        if self._stage == STEPPED:
            raise RuntimeError("step() has already been called since the last update()")
        if self._stage == READY:
            self.unscale_(optimizer)
        self._stage = STEPPED
        if self._found_inf:
            return False
        optimizer.step()
        return True

    def update(self):
        if self._stage == READY:
            raise RuntimeError("update() needs unscale_() or step() since the last update()")
        if self._found_inf:
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._stage = READY
        self._found_inf = False

    def state_dict(self):
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "growth_tracker": self._growth_tracker}

    def load_state_dict(self, state):
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["growth_tracker"])
        self._stage = READY
        self._found_inf = False


def train_step(model, optimizer, scaler, loss_fn, x, y, *, max_grad_norm=None):
    """One mixed-precision step; returns (loss as a float, whether the optimizer stepped)."""
    optimizer.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        output = model(x)
    loss = loss_fn(output, y)
    scaler.scale(loss).backward()
    if max_grad_norm is not None:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    stepped = scaler.step(optimizer)
    scaler.update()
    return loss.item(), stepped
