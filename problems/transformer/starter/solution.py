"""Multi-head self-attention and a pre-LN Transformer encoder layer.

Fill in the two classes below; see spec.md for the exact conventions.
Parameter names and shapes are fixed: the tests load weights with
``load_state_dict(strict=True)``.
"""
from __future__ import annotations

import torch
from torch import nn


class MultiHeadSelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention.

    Parameters: ``q_proj``, ``k_proj``, ``v_proj``, ``out_proj``, each an
    ``nn.Linear(d_model, d_model)`` with bias. Head ``h`` uses features
    ``h*d_k:(h+1)*d_k`` with ``d_k = d_model // n_heads``.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        raise NotImplementedError("create q_proj, k_proj, v_proj, out_proj and the dropout")

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                causal: bool = False, need_weights: bool = False):
        """Self-attention over ``x`` of shape (B, T, d_model).

        key_padding_mask: None or bool (B, T), True where the position is padding.
        causal: if True, query i attends only to keys j <= i.
        Returns out (B, T, d_model), or (out, weights) with weights (B, n_heads, T, T)
        (attention probabilities after masking and softmax, before dropout)
        when need_weights is True.
        """
        raise NotImplementedError


class TransformerEncoderLayer(nn.Module):
    """Pre-LN encoder layer.

    x = x + dropout(attn(norm1(x), key_padding_mask, causal))
    x = x + dropout(ff2(gelu(ff1(norm2(x)))))

    Parameters: ``norm1``, ``attn`` (a MultiHeadSelfAttention), ``norm2``,
    ``ff1`` (Linear d_model -> d_ff), ``ff2`` (Linear d_ff -> d_model).
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.1,
                 eps: float = 1e-5):
        super().__init__()
        raise NotImplementedError("create norm1, attn, norm2, ff1, ff2 and the dropout")

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        """Returns a tensor of the same shape as x, (B, T, d_model)."""
        raise NotImplementedError
