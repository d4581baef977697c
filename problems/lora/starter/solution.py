"""LoRA adapters for nn.Linear (see spec.md)."""
import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """y = base(x) + (dropout(x) @ lora_A.T @ lora_B.T) * (alpha / r); base frozen, A and B trainable."""

    def __init__(self, base, r, alpha=1.0, dropout=0.0, seed=0):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError

    def merge(self):
        """Add (lora_B @ lora_A) * scaling to base.weight in place; RuntimeError if already merged."""
        raise NotImplementedError

    def unmerge(self):
        """Restore base.weight bitwise; RuntimeError if not merged."""
        raise NotImplementedError


def apply_lora(model, target_modules, r, alpha=1.0, dropout=0.0, seed=0):
    """Freeze model, wrap the nn.Linear layers whose names match target_modules, return model."""
    raise NotImplementedError
