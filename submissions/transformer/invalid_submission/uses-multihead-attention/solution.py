"""Candidate sample: wraps torch.nn.MultiheadAttention (forbidden by the problem)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)

    def forward(self, x, key_padding_mask=None, causal=False, need_weights=False):
        T = x.shape[1]
        attn_mask = None
        if causal:
            attn_mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        out, weights = self.mha(x, x, x, key_padding_mask=key_padding_mask, attn_mask=attn_mask,
                                need_weights=need_weights, average_attn_weights=False)
        return (out, weights) if need_weights else out


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
        return x + self.dropout(self.ff2(F.gelu(self.ff1(self.norm2(x)))))
