import math

import torch
import torch.nn.functional as F
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha=1.0, dropout=0.0, seed=0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError("LoRALinear wraps nn.Linear only")
        n_in, n_out = base.in_features, base.out_features
        if not (1 <= r <= min(n_in, n_out)):
            raise ValueError("rank out of range")
        base.weight.requires_grad = False
        if base.bias is not None:
            base.bias.requires_grad = False
        self.base = base
        self.r, self.alpha = r, alpha
        self.scaling = alpha / r
        A = torch.empty(r, n_in)
        nn.init.kaiming_uniform_(A, a=math.sqrt(5), generator=torch.Generator().manual_seed(seed))
        self.lora_A = nn.Parameter(A)
        self.lora_B = nn.Parameter(torch.zeros(n_out, r))
        self.dropout = nn.Dropout(p=dropout)
        self.merged = False
        self.original = None

    def forward(self, x):
        y = F.linear(x, self.base.weight, self.base.bias)
        if not self.merged:
            h = F.linear(self.dropout(x), self.lora_A)
            y = y + self.scaling * F.linear(h, self.lora_B)
        return y

    def merge(self):
        if self.merged:
            raise RuntimeError("merge() called twice")
        with torch.no_grad():
            self.original = self.base.weight.clone()
            self.base.weight += self.scaling * (self.lora_B @ self.lora_A)
        self.merged = True

    def unmerge(self):
        if not self.merged:
            raise RuntimeError("unmerge() without merge()")
        with torch.no_grad():
            self.base.weight.copy_(self.original)
        self.merged = False


def _collect(module, prefix, targets, out):
    for child_name, child in module.named_children():
        full = f"{prefix}.{child_name}" if prefix else child_name
        if isinstance(child, nn.Linear) and any(full == t or full.endswith("." + t) for t in targets):
            out.append((module, child_name, child))
        _collect(child, full, targets, out)


def apply_lora(model, target_modules, r, alpha=1.0, dropout=0.0, seed=0):
    targets = [target_modules] if isinstance(target_modules, str) else list(target_modules)
    model.requires_grad_(False)
    found = []
    _collect(model, "", targets, found)
    if not found:
        raise ValueError("no matching nn.Linear")
    for i, (parent, child_name, child) in enumerate(found):
        setattr(parent, child_name, LoRALinear(child, r, alpha, dropout, seed + i))
    return model
