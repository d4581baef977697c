"""Delegates the loss scaling to torch.amp.GradScaler (forbidden)."""
import torch


class LossScaler:
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        self._inner = torch.amp.GradScaler("cpu", init_scale=init_scale, growth_factor=growth_factor,
                                           backoff_factor=backoff_factor, growth_interval=growth_interval)

    def get_scale(self):
        return float(self._inner.get_scale())

    def scale(self, loss):
        return self._inner.scale(loss)

    def unscale_(self, optimizer):
        self._inner.unscale_(optimizer)
        return any(bool(v) for v in self._inner._found_inf_per_device(optimizer).values())

    def step(self, optimizer):
        return self._inner.step(optimizer) is not None

    def update(self):
        self._inner.update()

    def state_dict(self):
        return self._inner.state_dict()

    def load_state_dict(self, state):
        self._inner.load_state_dict(state)


def train_step(model, optimizer, scaler, loss_fn, x, y, *, max_grad_norm=None):
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
    return loss.item(), stepped
