"""bfloat16 autocast training with a hand-written dynamic loss scaler. See spec.md."""
import math
import numbers

import torch


def _is_real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class LossScaler:
    """Dynamic loss scaling: scale the loss, unscale the gradients, skip steps that overflow."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        if not _is_real(init_scale) or not math.isfinite(float(init_scale)) or not float(init_scale) > 0:
            raise ValueError(f"init_scale must be finite and > 0, got {init_scale!r}")
        if not _is_real(growth_factor) or not float(growth_factor) > 1:
            raise ValueError(f"growth_factor must be > 1, got {growth_factor!r}")
        if not _is_real(backoff_factor) or not (0 < float(backoff_factor) < 1):
            raise ValueError(f"backoff_factor must be in (0, 1), got {backoff_factor!r}")
        if isinstance(growth_interval, bool) or not isinstance(growth_interval, numbers.Integral) \
                or growth_interval < 1:
            raise ValueError(f"growth_interval must be an int >= 1, got {growth_interval!r}")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._new_iteration()

    def _new_iteration(self):
        self._unscaled = False
        self._stepped = False
        self._found_inf = False

    def get_scale(self):
        """The current scale (a Python float)."""
        return self._scale

    def scale(self, loss):
        """Return loss * scale (a new tensor)."""
        return loss * self._scale

    def unscale_(self, optimizer):
        """Divide every gradient of the optimizer's parameters by the scale; return found_inf."""
        if self._unscaled:
            raise RuntimeError("unscale_() has already been called since the last update()")
        if self._stepped:
            raise RuntimeError("unscale_() must be called before step()")
        found_inf = False
        with torch.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.div_(self._scale)
                    if not found_inf and not bool(torch.isfinite(p.grad).all()):
                        found_inf = True
        self._found_inf = found_inf
        self._unscaled = True
        return found_inf

    def step(self, optimizer):
        """Unscale if not done yet; skip the step (False) on inf/NaN, else optimizer.step() (True)."""
        if self._stepped:
            raise RuntimeError("step() has already been called since the last update()")
        if not self._unscaled:
            self.unscale_(optimizer)
        self._stepped = True
        if self._found_inf:
            return False
        optimizer.step()
        return True

    def update(self):
        """Back off on a skipped step, grow after growth_interval consecutive clean steps."""
        if not (self._unscaled or self._stepped):
            raise RuntimeError("update() called without unscale_() or step() in this iteration")
        if self._found_inf:
            self._scale = self._scale * self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale = self._scale * self._growth_factor
                self._growth_tracker = 0
        self._new_iteration()

    def state_dict(self):
        """{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', 'growth_tracker'}."""
        return {
            "scale": float(self._scale),
            "growth_factor": float(self._growth_factor),
            "backoff_factor": float(self._backoff_factor),
            "growth_interval": int(self._growth_interval),
            "growth_tracker": int(self._growth_tracker),
        }

    def load_state_dict(self, state):
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["growth_tracker"])
        self._new_iteration()


def train_step(model, optimizer, scaler, loss_fn, x, y, *, max_grad_norm=None):
    """One bfloat16-autocast step with loss scaling; returns (loss float, stepped bool)."""
    optimizer.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        output = model(x)
    loss = loss_fn(output.float(), y)
    scaler.scale(loss).backward()
    if max_grad_norm is not None:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    stepped = scaler.step(optimizer)
    scaler.update()
    return float(loss.item()), bool(stepped)
