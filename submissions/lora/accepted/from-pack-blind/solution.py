"""LoRA adapters for nn.Linear (see spec.md)."""
import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """y = base(x) + (dropout(x) @ lora_A.T @ lora_B.T) * (alpha / r); base frozen, A and B trainable."""

    def __init__(self, base, r, alpha=1.0, dropout=0.0, seed=0):
        if not isinstance(base, nn.Linear):
            raise TypeError("base must be an nn.Linear")
        in_f, out_f = base.in_features, base.out_features
        if not (1 <= r <= min(in_f, out_f)):
            raise ValueError(f"r must be in [1, {min(in_f, out_f)}], got {r}")
        super().__init__()
        self.base = base
        for p in base.parameters(recurse=False):
            p.requires_grad_(False)
        self.r = r
        self.alpha = alpha
        self.scaling = float(alpha) / r
        self.merged = False
        gen = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(in_f)
        A = torch.empty(r, in_f).uniform_(-bound, bound, generator=gen)
        self.lora_A = nn.Parameter(A)
        self.lora_B = nn.Parameter(torch.zeros(out_f, r))
        self.dropout = nn.Dropout(dropout)
        self._saved_weight = None

    def forward(self, x):
        if self.merged:
            return self.base(x)
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def merge(self):
        """Add (lora_B @ lora_A) * scaling to base.weight in place; RuntimeError if already merged."""
        if self.merged:
            raise RuntimeError("already merged")
        with torch.no_grad():
            w = self.base.weight
            self._saved_weight = w.detach().clone()
            w.copy_(w + (self.lora_B @ self.lora_A) * self.scaling)
        self.merged = True

    def unmerge(self):
        """Restore base.weight bitwise; RuntimeError if not merged."""
        if not self.merged:
            raise RuntimeError("not merged")
        with torch.no_grad():
            self.base.weight.copy_(self._saved_weight)
        self._saved_weight = None
        self.merged = False


def _matches(name, targets):
    return any(name == t or name.endswith("." + t) for t in targets)


def apply_lora(model, target_modules, r, alpha=1.0, dropout=0.0, seed=0):
    """Freeze model, wrap the nn.Linear layers whose names match target_modules, return model."""
    for p in model.parameters():
        p.requires_grad_(False)
    targets = [target_modules] if isinstance(target_modules, str) else list(target_modules)
    selected = [(name, mod) for name, mod in model.named_modules()
                if name != "" and isinstance(mod, nn.Linear) and _matches(name, targets)]
    if not selected:
        raise ValueError("no nn.Linear module matches target_modules")
    for i, (name, layer) in enumerate(selected):
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(layer, r, alpha, dropout, seed=seed + i))
    return model
