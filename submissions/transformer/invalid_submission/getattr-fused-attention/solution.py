"""Attack (issue 10): PyTorch's fused attention under a computed attribute name.

``getattr(F, "scaled_dot_" + "product_attention")`` hides the forbidden call
from a check that reads only attribute names written out. The static check
folds the literal concatenation (a forbidden call) and the integrity pass
flags the computed lookup; a name it cannot fold is left to the runtime's
operator recording.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.n_heads = n_heads
        self.d_k = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def split_heads(self, t):
        B, T, D = t.shape
        return t.view(B, T, self.n_heads, self.d_k).transpose(1, 2)

    def merge_heads(self, t):
        B, H, T, d_k = t.shape
        return t.transpose(1, 2).contiguous().view(B, T, H * d_k)

    def forward(self, x, key_padding_mask=None, causal=False, need_weights=False):
        B, T, D = x.shape
        q = self.split_heads(self.q_proj(x))
        k = self.split_heads(self.k_proj(x))
        v = self.split_heads(self.v_proj(x))

        mask = torch.zeros(B, 1, T, T, dtype=torch.bool, device=x.device)
        if key_padding_mask is not None:
            mask = mask | key_padding_mask[:, None, None, :]
        if causal:
            mask = mask | torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), 1)
        fused = getattr(F, "scaled_dot_" + "product_attention")
        out = fused(q, k, v, attn_mask=~mask,
                    dropout_p=self.dropout.p if self.training else 0.0)
        attn = torch.softmax((q @ k.transpose(-2, -1) / math.sqrt(self.d_k)).masked_fill(mask, float("-inf")), -1)
        out = self.out_proj(self.merge_heads(out))
        if need_weights:
            return out, attn
        return out


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, d_ff, dropout=0.1, eps=1e-5):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, key_padding_mask=None, causal=False):
        x = x + self.dropout(self.attn(self.norm1(x), key_padding_mask, causal))
        x = x + self.dropout(self.ff2(F.gelu(self.ff1(self.norm2(x)))))
        return x
