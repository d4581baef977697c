"""Heads split with reshape + transpose and folded into the batch for torch.bmm."""
import math

import torch
import torch.nn as nn


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.d_model, self.n_heads = d_model, n_heads
        self.d_k = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.drop = nn.Dropout(dropout)

    def _fold(self, t):
        B, T, _ = t.shape
        t = t.reshape(B, T, self.n_heads, self.d_k).transpose(1, 2)   # (B, H, T, d_k)
        return t.reshape(B * self.n_heads, T, self.d_k)

    def forward(self, x, key_padding_mask=None, causal=False, need_weights=False):
        B, T, D = x.shape
        H = self.n_heads
        q = self._fold(self.q_proj(x)) / math.sqrt(self.d_k)
        k = self._fold(self.k_proj(x))
        v = self._fold(self.v_proj(x))
        scores = torch.bmm(q, k.transpose(1, 2)).view(B, H, T, T)
        neg_inf = torch.tensor(float("-inf"), dtype=scores.dtype)
        if key_padding_mask is not None:
            scores = torch.where(key_padding_mask.view(B, 1, 1, T), neg_inf, scores)
        if causal:
            i = torch.arange(T)
            scores = torch.where(i[None, :] > i[:, None], neg_inf, scores)
        weights = torch.softmax(scores, dim=3)
        ctx = torch.bmm(self.drop(weights).view(B * H, T, T), v)         # (B*H, T, d_k)
        ctx = ctx.view(B, H, T, self.d_k).transpose(1, 2).reshape(B, T, D)
        out = self.out_proj(ctx)
        if need_weights:
            return out, weights
        return out


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, d_ff, dropout=0.1, eps=1e-5):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout=dropout)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)
        self.act = nn.GELU()
        self.res_drop = nn.Dropout(dropout)

    def forward(self, x, key_padding_mask=None, causal=False):
        x = x + self.res_drop(self.attn(self.norm1(x), key_padding_mask, causal))
        x = x + self.res_drop(self.ff2(self.act(self.ff1(self.norm2(x)))))
        return x
