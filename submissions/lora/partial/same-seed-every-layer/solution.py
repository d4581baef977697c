"""LoRA adapters for nn.Linear: a frozen base plus a trainable low-rank update."""
import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """y = base(x) + (dropout(x) @ A.T @ B.T) * (alpha / r), with only A and B trainable."""

    def __init__(self, base, r, alpha=1.0, dropout=0.0, seed=0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError("base must be an nn.Linear")
        if r < 1 or r > min(base.in_features, base.out_features):
            raise ValueError(f"r must be in [1, {min(base.in_features, base.out_features)}], got {r}")
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.r = r
        self.alpha = alpha
        self.scaling = alpha / r
        gen = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(base.in_features)
        a = torch.empty(r, base.in_features).uniform_(-bound, bound, generator=gen)
        self.lora_A = nn.Parameter(a)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        self.dropout = nn.Dropout(dropout)
        self.merged = False
        self._saved_weight = None

    def delta_weight(self):
        """The (out, in) update (B @ A) * scaling."""
        return (self.lora_B @ self.lora_A) * self.scaling

    def forward(self, x):
        out = self.base(x)
        if self.merged:
            return out
        return out + (self.dropout(x) @ self.lora_A.t() @ self.lora_B.t()) * self.scaling

    @torch.no_grad()
    def merge(self):
        if self.merged:
            raise RuntimeError("already merged")
        self._saved_weight = self.base.weight.detach().clone()
        self.base.weight.add_(self.delta_weight())
        self.merged = True

    @torch.no_grad()
    def unmerge(self):
        if not self.merged:
            raise RuntimeError("not merged")
        self.base.weight.copy_(self._saved_weight)
        self._saved_weight = None
        self.merged = False


def _matches(name, targets):
    return any(name == t or name.endswith("." + t) for t in targets)


def apply_lora(model, target_modules, r, alpha=1.0, dropout=0.0, seed=0):
    """Freeze model and wrap every nn.Linear whose name matches target_modules; return model."""
    if isinstance(target_modules, str):
        target_modules = [target_modules]
    for p in model.parameters():
        p.requires_grad_(False)
    chosen = [name for name, m in model.named_modules()
              if name and isinstance(m, nn.Linear) and _matches(name, target_modules)]
    if not chosen:
        raise ValueError("no nn.Linear matches target_modules")
    for i, name in enumerate(chosen):
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(parent, child, LoRALinear(getattr(parent, child), r, alpha, dropout, seed))
    return model
