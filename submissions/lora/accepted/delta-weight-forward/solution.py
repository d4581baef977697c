"""LoRA with the update formed as a dense delta weight in forward (same values, another summation order)."""
import math
import re

import torch
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha=1.0, dropout=0.0, seed=0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(type(base).__name__)
        if r < 1 or r > base.in_features or r > base.out_features:
            raise ValueError(f"bad rank {r}")
        self.base = base.requires_grad_(False)
        self.r = r
        self.alpha = alpha
        self.scaling = float(alpha) / r
        g = torch.Generator()
        g.manual_seed(seed)
        b = 1.0 / math.sqrt(base.in_features)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features).uniform_(-b, b, generator=g))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        self.dropout = nn.Dropout(dropout)
        self.merged = False
        self.register_buffer("_backup", None, persistent=False)

    def forward(self, x):
        if self.merged:
            return self.base(x)
        delta = (self.lora_B @ self.lora_A) * self.scaling          # (out, in)
        return self.base(x) + self.dropout(x) @ delta.T

    def merge(self):
        if self.merged:
            raise RuntimeError("already merged")
        self._backup = self.base.weight.detach().clone()
        self.base.weight.data.add_((self.lora_B.detach() @ self.lora_A.detach()) * self.scaling)
        self.merged = True

    def unmerge(self):
        if not self.merged:
            raise RuntimeError("not merged")
        self.base.weight.data.copy_(self._backup)
        self._backup = None
        self.merged = False


def apply_lora(model, target_modules, r, alpha=1.0, dropout=0.0, seed=0):
    if isinstance(target_modules, str):
        target_modules = [target_modules]
    pattern = re.compile(r"(^|.*\.)(" + "|".join(re.escape(t) for t in target_modules) + r")$")
    for p in model.parameters():
        p.requires_grad = False
    names = [n for n, m in model.named_modules() if n and isinstance(m, nn.Linear) and pattern.match(n)]
    if not names:
        raise ValueError("no layer matched")
    for i, n in enumerate(names):
        parent, _, leaf = n.rpartition(".")
        holder = model.get_submodule(parent) if parent else model
        setattr(holder, leaf, LoRALinear(getattr(holder, leaf), r, alpha, dropout, seed=seed + i))
    return model
