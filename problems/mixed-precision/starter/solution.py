"""bfloat16 autocast training with a hand-written dynamic loss scaler. See spec.md."""
import torch


class LossScaler:
    """Dynamic loss scaling: scale the loss, unscale the gradients, skip steps that overflow."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        raise NotImplementedError

    def get_scale(self):
        """The current scale (a Python float)."""
        raise NotImplementedError

    def scale(self, loss):
        """Return loss * scale."""
        raise NotImplementedError

    def unscale_(self, optimizer):
        """Divide every gradient of the optimizer's parameters by the scale; return found_inf."""
        raise NotImplementedError

    def step(self, optimizer):
        """Unscale if not done yet; skip the step (False) on inf/NaN, else optimizer.step() (True)."""
        raise NotImplementedError

    def update(self):
        """Back off on a skipped step, grow after growth_interval consecutive clean steps."""
        raise NotImplementedError

    def state_dict(self):
        """{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', 'growth_tracker'}."""
        raise NotImplementedError

    def load_state_dict(self, state):
        raise NotImplementedError


def train_step(model, optimizer, scaler, loss_fn, x, y, *, max_grad_norm=None):
    """One bfloat16-autocast step with loss scaling; returns (loss float, stepped bool)."""
    raise NotImplementedError
