"""TinyGPT: the small decoder-only language model the gpt-decoding problem gives you.

Do not submit this file; the tests import it. Its weights are drawn from ``seed``
with a private ``torch.Generator``, so the same arguments always build the same model.

    model = TinyGPT(vocab_size=48, seed=0)
    logits, past = model(input_ids, attention_mask, position_ids, past_key_values=None)

* ``input_ids``      int64 (B, T): the tokens of this call.
* ``attention_mask`` (B, S + T), bool or 0/1 integers, S = the cache length (0 without
  a cache): 1/True for a real token, 0/False for padding, for every cached position
  followed by the T new ones.
* ``position_ids``   int64 (B, T) in [0, max_positions): the position of each new token.
* ``past_key_values`` None, or the ``past`` returned by the previous call (a tuple with
  one ``(key, value)`` pair per layer, each float32 (B, n_heads, S, head_dim)).

Returns ``logits`` float32 (B, T, vocab_size), the next-token logits after each of the
T tokens, and the new ``past`` (length S + T). A new token attends to every cached
token and to the new tokens up to itself (causal), except positions whose mask is 0.
Padding positions get finite but meaningless logits. The model never modifies its
arguments. Every call appends ``(T, S)`` to ``model.calls`` (the tests read it).
"""
import math

import torch
from torch import nn


class TinyGPT(nn.Module):
    def __init__(self, vocab_size=48, d_model=32, n_heads=4, n_layers=2, max_positions=64, seed=0):
        super().__init__()
        if d_model % n_heads:
            raise ValueError("d_model must be a multiple of n_heads")
        self.vocab_size, self.d_model, self.n_heads = vocab_size, d_model, n_heads
        self.n_layers, self.max_positions = n_layers, max_positions
        self.head_dim = d_model // n_heads
        g = torch.Generator().manual_seed(int(seed))

        def param(*shape, scale):
            return nn.Parameter(torch.randn(*shape, generator=g) * scale, requires_grad=False)

        self.tok_emb = param(vocab_size, d_model, scale=1.0)
        self.pos_emb = param(max_positions, d_model, scale=0.5)
        self.layers = nn.ModuleList()
        for _ in range(n_layers):
            layer = nn.Module()
            layer.qkv = param(d_model, 3 * d_model, scale=1.0 / math.sqrt(d_model))
            layer.proj = param(d_model, d_model, scale=1.0 / math.sqrt(d_model))
            layer.fc1 = param(d_model, 4 * d_model, scale=1.0 / math.sqrt(d_model))
            layer.fc2 = param(4 * d_model, d_model, scale=0.5 / math.sqrt(d_model))
            self.layers.append(layer)
        self.head = param(d_model, vocab_size, scale=2.5 / math.sqrt(d_model))
        self.calls = []

    @staticmethod
    def _norm(x):
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + 1e-5)

    def forward(self, input_ids, attention_mask, position_ids, past_key_values=None):
        if input_ids.dim() != 2 or input_ids.dtype != torch.int64:
            raise ValueError("input_ids must be an int64 tensor (B, T)")
        b, t = input_ids.shape
        s = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        if past_key_values is not None and (len(past_key_values) != self.n_layers
                                            or past_key_values[0][0].shape[0] != b):
            raise ValueError("past_key_values does not match this model or batch")
        if tuple(attention_mask.shape) != (b, s + t):
            raise ValueError(f"attention_mask must have shape ({b}, {s + t}), got {tuple(attention_mask.shape)}")
        if tuple(position_ids.shape) != (b, t):
            raise ValueError(f"position_ids must have shape ({b}, {t}), got {tuple(position_ids.shape)}")
        self.calls.append((t, s))
        keep = attention_mask.to(torch.bool)
        # query i (absolute index s + i) may see key j when j <= s + i and key j is real
        causal = torch.arange(s + t)[None, :] <= (s + torch.arange(t))[:, None]      # (T, S+T)
        allowed = causal[None, None, :, :] & keep[:, None, None, :]                  # (B, 1, T, S+T)
        x = self.tok_emb[input_ids] + self.pos_emb[position_ids]
        new_past = []
        for i, layer in enumerate(self.layers):
            h = self._norm(x) @ layer.qkv
            q, k, v = (u.view(b, t, self.n_heads, self.head_dim).transpose(1, 2) for u in h.split(self.d_model, -1))
            if past_key_values is not None:
                k = torch.cat([past_key_values[i][0], k], dim=2)
                v = torch.cat([past_key_values[i][1], v], dim=2)
            new_past.append((k, v))
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
            scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
            ctx = torch.softmax(scores, dim=-1) @ v
            x = x + ctx.transpose(1, 2).reshape(b, t, self.d_model) @ layer.proj
            x = x + torch.relu(self._norm(x) @ layer.fc1) @ layer.fc2
        logits = self._norm(x) @ self.head
        return logits, tuple(new_past)
