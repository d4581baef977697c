# Written from spec.md alone, as a candidate would.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.h = n_heads
        self.dk = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.attn_drop = nn.Dropout(dropout)

    def forward(self, x, key_padding_mask=None, causal=False, need_weights=False):
        B, T, D = x.shape
        # (B, T, D) -> (B, T, H, dk) -> (B, H, T, dk)
        q = self.q_proj(x).unflatten(-1, (self.h, self.dk)).permute(0, 2, 1, 3)
        k = self.k_proj(x).unflatten(-1, (self.h, self.dk)).permute(0, 2, 1, 3)
        v = self.v_proj(x).unflatten(-1, (self.h, self.dk)).permute(0, 2, 1, 3)
        s = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(self.dk))
        bias = torch.zeros(B, 1, T, T, dtype=x.dtype, device=x.device)
        if key_padding_mask is not None:
            bias = bias.masked_fill(key_padding_mask.view(B, 1, 1, T), float("-inf"))
        if causal:
            upper = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
            bias = bias.masked_fill(upper, float("-inf"))
        p = F.softmax(s + bias, dim=-1)
        y = torch.matmul(self.attn_drop(p), v)            # (B, H, T, dk)
        y = y.permute(0, 2, 1, 3).flatten(2)             # (B, T, D), head 0 first
        y = self.out_proj(y)
        if need_weights:
            return y, p
        return y


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, d_ff, dropout=0.1, eps=1e-5):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x, key_padding_mask=None, causal=False):
        h = self.attn(self.norm1(x), key_padding_mask=key_padding_mask, causal=causal)
        x = x + self.drop1(h)
        h = self.ff2(F.gelu(self.ff1(self.norm2(x))))
        return x + self.drop2(h)
