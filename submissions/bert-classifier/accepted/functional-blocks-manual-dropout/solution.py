"""BERT classifier with a flat module layout: one function per block, hand-written dropout,
additive masks, no padding_idx, positions and [CLS] index found per row."""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


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


def dropout(t, p, on):
    if not on or p <= 0.0:
        return t
    return torch.where(torch.rand_like(t) < p, torch.zeros_like(t), t / (1.0 - p))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.output = nn.Linear(c.hidden_size, c.hidden_size)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.attention_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.intermediate = nn.Linear(c.hidden_size, c.intermediate_size)
        self.output = nn.Linear(c.intermediate_size, c.hidden_size)
        self.output_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)


class BertClassifier(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList([Layer(config) for _ in range(config.num_hidden_layers)])
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def _attend(self, att, h, bias):
        B, T, H = h.shape
        n = self.config.num_attention_heads
        d = H // n
        q = att.query(h).reshape(B, T, n, d)
        k = att.key(h).reshape(B, T, n, d)
        v = att.value(h).reshape(B, T, n, d)
        scores = torch.einsum("bqnd,bknd->bnqk", q, k) / math.sqrt(d) + bias
        probs = dropout(scores.softmax(-1), self.config.attention_probs_dropout_prob, self.training)
        ctx = torch.einsum("bnqk,bknd->bqnd", probs, v).reshape(B, T, H)
        return att.output(ctx)

    def encode(self, input_ids, attention_mask=None, token_type_ids=None):
        c, on = self.config, self.training
        B, T = input_ids.shape
        real = (torch.ones(B, T, dtype=torch.bool) if attention_mask is None
                else attention_mask != 0)
        types = torch.zeros_like(input_ids) if token_type_ids is None else token_type_ids
        first = torch.stack([torch.nonzero(r)[0, 0] for r in real])
        pos = (torch.arange(T)[None, :] - first[:, None]).clamp(min=0) * real
        emb = self.embeddings
        e = emb.word_embeddings(input_ids) + emb.position_embeddings(pos) + emb.token_type_embeddings(types)
        h = dropout(emb.layer_norm(e), c.hidden_dropout_prob, on)
        bias = torch.zeros(B, 1, 1, T).masked_fill(~real[:, None, None, :], float("-inf"))
        for layer in self.layers:
            a = self._attend(layer.attention, h, bias)
            h = layer.attention_norm(h + dropout(a, c.hidden_dropout_prob, on))
            f = layer.output(F.gelu(layer.intermediate(h)))
            h = layer.output_norm(h + dropout(f, c.hidden_dropout_prob, on))
        pooled = torch.tanh(self.pooler(h[torch.arange(B), first]))
        return h, pooled

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        _, pooled = self.encode(input_ids, attention_mask, token_type_ids)
        return self.classifier(dropout(pooled, self.config.hidden_dropout_prob, self.training))
