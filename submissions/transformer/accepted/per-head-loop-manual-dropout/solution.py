"""Attention one head at a time, additive masks, hand-written dropout and GELU."""
import math

import torch
import torch.nn.functional as F
from torch import nn


def drop(t, p, training):
    if not training or p == 0.0:
        return t
    keep = (torch.rand(t.shape, device=t.device) >= p).to(t.dtype)
    return t * keep / (1.0 - p)


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.h = n_heads
        self.dk = d_model // n_heads
        self.p = dropout
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self, name, nn.Linear(d_model, d_model))

    def forward(self, x, key_padding_mask=None, causal=False, need_weights=False):
        T = x.shape[1]
        bias = torch.zeros(x.shape[0], T, T, dtype=x.dtype, device=x.device)
        very_negative = torch.finfo(x.dtype).min
        if key_padding_mask is not None:
            bias = bias.masked_fill(key_padding_mask.bool()[:, None, :], very_negative)
        if causal:
            later = torch.arange(T)[None, :] > torch.arange(T)[:, None]
            bias = bias.masked_fill(later[None], very_negative)
        outs, probs = [], []
        for j in range(self.h):
            cols = slice(j * self.dk, (j + 1) * self.dk)
            q = F.linear(x, self.q_proj.weight[cols], self.q_proj.bias[cols])
            k = F.linear(x, self.k_proj.weight[cols], self.k_proj.bias[cols])
            v = F.linear(x, self.v_proj.weight[cols], self.v_proj.bias[cols])
            s = torch.bmm(q, k.transpose(1, 2)) * (1.0 / math.sqrt(self.dk))
            s = s + bias
            w = s.softmax(dim=2)
            probs.append(w)
            outs.append(torch.bmm(drop(w, self.p, self.training), v))
        out = self.out_proj(torch.cat(outs, dim=2))
        if need_weights:
            return out, torch.stack(probs, dim=1)
        return out


def gelu(t):
    return 0.5 * t * (1.0 + torch.erf(t / math.sqrt(2.0)))


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, n_heads, d_ff, dropout=0.1, eps=1e-5):
        super().__init__()
        self.p = dropout
        self.eps = eps
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)

    def _norm(self, t, ln):
        mu = t.mean(-1, keepdim=True)
        var = ((t - mu) ** 2).mean(-1, keepdim=True)
        return (t - mu) / torch.sqrt(var + self.eps) * ln.weight + ln.bias

    def forward(self, x, key_padding_mask=None, causal=False):
        a = self.attn(self._norm(x, self.norm1), key_padding_mask=key_padding_mask, causal=causal)
        x = x + drop(a, self.p, self.training)
        f = self.ff2(gelu(self.ff1(self._norm(x, self.norm2))))
        return x + drop(f, self.p, self.training)
