# Written from spec.md alone, as a candidate would.
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class BertConfig:
    vocab_size: int = 100
    hidden_size: int = 32
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 64
    max_position_embeddings: int = 32
    type_vocab_size: int = 2
    num_labels: int = 2
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.drop = nn.Dropout(c.hidden_dropout_prob)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c.hidden_size
        self.heads = c.num_attention_heads
        self.query, self.key, self.value, self.output = (nn.Linear(H, H) for _ in range(4))
        self.drop = nn.Dropout(c.attention_probs_dropout_prob)

    def forward(self, h, additive_mask):
        B, T, H = h.shape
        dk = H // self.heads
        def heads(t):
            return t.view(B, T, self.heads, dk).permute(0, 2, 1, 3)
        q, k, v = heads(self.query(h)), heads(self.key(h)), heads(self.value(h))
        s = q @ k.transpose(-1, -2) / math.sqrt(dk) + additive_mask
        p = self.drop(s.softmax(-1))
        o = (p @ v).permute(0, 2, 1, 3).reshape(B, T, H)
        return self.output(o)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.attention_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.intermediate = nn.Linear(c.hidden_size, c.intermediate_size)
        self.output = nn.Linear(c.intermediate_size, c.hidden_size)
        self.output_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.drop = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, additive_mask):
        h = self.attention_norm(h + self.drop(self.attention(h, additive_mask)))
        f = self.output(F.gelu(self.intermediate(h)))
        return self.output_norm(h + self.drop(f))


class BertClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList([Layer(config) for _ in range(config.num_hidden_layers)])
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.drop = nn.Dropout(config.hidden_dropout_prob)

    def encode(self, input_ids, attention_mask=None, token_type_ids=None):
        B, T = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones(B, T, dtype=torch.long, device=input_ids.device)
        m = attention_mask.long()
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        pos = (torch.cumsum(m, dim=1) - 1) * m
        e = self.embeddings
        h = e.word_embeddings(input_ids) + e.position_embeddings(pos) + e.token_type_embeddings(token_type_ids)
        h = e.drop(e.layer_norm(h))
        additive = torch.zeros(B, 1, 1, T, dtype=h.dtype, device=h.device)
        additive = additive.masked_fill(m[:, None, None, :] == 0, float("-inf"))
        for layer in self.layers:
            h = layer(h, additive)
        # first real token of each row
        first = torch.argmax(m, dim=1)
        cls = h.gather(1, first.view(B, 1, 1).expand(B, 1, h.shape[-1])).squeeze(1)
        pooled = torch.tanh(self.pooler(cls))
        return h, pooled

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        _, pooled = self.encode(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.drop(pooled))
