"""Solution for the `transformer` problem.

Multi-head scaled dot-product self-attention and a pre-LN Transformer encoder
layer, written from torch primitives (no nn.MultiheadAttention, no
F.scaled_dot_product_attention).

Conventions (see spec.md):
- inputs are batch-first, shape (B, T, D);
- ``key_padding_mask`` is a bool tensor (B, T), True where the key is padding;
- ``causal=True`` lets query i attend to keys j <= i only;
- masked scores are set to -inf before the softmax, so masked keys get an
  attention weight of exactly 0;
- dropout is applied to the attention probabilities (inside the attention) and
  to each sub-layer's output before it is added to the residual stream; it is
  active only in train mode.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class MultiHeadSelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention.

    Parameters (exact names, used by ``load_state_dict``):
    ``q_proj``, ``k_proj``, ``v_proj``, ``out_proj``: ``nn.Linear(d_model, d_model)``
    with bias. Head ``h`` uses features ``h*d_k:(h+1)*d_k`` of each projection.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
        self.d_model = d_model
        self.n_heads = n_heads
        self.d_k = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, H, T, d_k)."""
        b, t_len, _ = t.shape
        return t.view(b, t_len, self.n_heads, self.d_k).transpose(1, 2)

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                causal: bool = False, need_weights: bool = False):
        b, t_len, d = x.shape
        q = self._split(self.q_proj(x))
        k = self._split(self.k_proj(x))
        v = self._split(self.v_proj(x))

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)      # (B, H, T, T)
        blocked = None
        if key_padding_mask is not None:
            blocked = key_padding_mask.to(torch.bool)[:, None, None, :]   # (B, 1, 1, T)
        if causal:
            future = torch.ones(t_len, t_len, dtype=torch.bool, device=x.device).triu(1)
            blocked = future if blocked is None else (blocked | future)
        if blocked is not None:
            scores = scores.masked_fill(blocked, float("-inf"))

        weights = torch.softmax(scores, dim=-1)                      # (B, H, T, T)
        context = self.dropout(weights) @ v                           # (B, H, T, d_k)
        context = context.transpose(1, 2).contiguous().view(b, t_len, d)
        out = self.out_proj(context)
        return (out, weights) if need_weights else out


class TransformerEncoderLayer(nn.Module):
    """Pre-LN encoder layer.

    x = x + dropout(attn(norm1(x)))
    x = x + dropout(ff2(gelu(ff1(norm2(x)))))
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.1,
                 eps: float = 1e-5):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        x = x + self.dropout(self.attn(self.norm1(x), key_padding_mask=key_padding_mask,
                                       causal=causal))
        x = x + self.dropout(self.ff2(self.dropout(F.gelu(self.ff1(self.norm2(x))))))
        return x
