"""Written from spec.md alone."""
import math

import torch


class LossScaler:
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        if not (init_scale > 0 and math.isfinite(init_scale)):
            raise ValueError("init_scale")
        if not growth_factor > 1:
            raise ValueError("growth_factor")
        if not (0 < backoff_factor < 1):
            raise ValueError("backoff_factor")
        if type(growth_interval) is not int or growth_interval < 1:
            raise ValueError("growth_interval")
        self.s = float(init_scale)
        self.gf, self.bf, self.gi = float(growth_factor), float(backoff_factor), growth_interval
        self.tracker = 0
        self.phase = 0          # 0: new iteration, 1: unscaled, 2: stepped
        self.found_inf = False

    def get_scale(self):
        return self.s

    def scale(self, loss):
        return loss * self.s

    def unscale_(self, optimizer):
        if self.phase != 0:
            raise RuntimeError("unscale_ twice")
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad /= self.s
                    found = found or bool(torch.isnan(p.grad).any() or torch.isinf(p.grad).any())
        self.found_inf = found
        self.phase = 1
        return found

    def step(self, optimizer):
        if self.phase == 2:
            raise RuntimeError("step twice")
        if self.phase == 0:
            self.unscale_(optimizer)
        self.phase = 2
        if self.found_inf:
            return False
        optimizer.step()
        return True

    def update(self):
        if self.phase == 0:
            raise RuntimeError("update without step")
        if self.found_inf:
            self.s *= self.bf
            self.tracker = 0
        else:
            self.tracker += 1
            if self.tracker == self.gi:
                self.s *= self.gf
                self.tracker = 0
        self.phase = 0

    def state_dict(self):
        return {"scale": self.s, "growth_factor": self.gf, "backoff_factor": self.bf,
                "growth_interval": self.gi, "growth_tracker": self.tracker}

    def load_state_dict(self, state):
        self.s = float(state["scale"])
        self.gf = float(state["growth_factor"])
        self.bf = float(state["backoff_factor"])
        self.gi = int(state["growth_interval"])
        self.tracker = int(state["growth_tracker"])
        self.phase = 0
        self.found_inf = False


def train_step(model, optimizer, scaler, loss_fn, x, y, *, max_grad_norm=None):
    optimizer.zero_grad()
    with torch.autocast("cpu"):                     # the CPU default dtype is bfloat16
        out = model(x)
    loss = loss_fn(out.float(), y)
    scaler.scale(loss).backward()
    if max_grad_norm is not None:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    stepped = scaler.step(optimizer)
    scaler.update()
    return loss.item(), stepped
