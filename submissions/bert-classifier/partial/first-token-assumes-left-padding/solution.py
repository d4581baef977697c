"""Solution for the `bert-classifier` problem.

A BERT-style sequence classifier from torch primitives (see spec.md):

    embeddings = LayerNorm(word[input_ids] + position[position_ids] + token_type[token_type_ids])
    h = dropout(embeddings)
    for each layer (post-LN):
        h = attention_norm(h + dropout(attention(h, attention_mask)))
        h = output_norm(h + dropout(output(gelu(intermediate(h)))))
    pooled = tanh(pooler(h[b, first real token of row b]))
    logits = classifier(dropout(pooled))

Padding may be on the left or the right. Position ids count real tokens only,
``position_ids = (cumsum(mask) - 1) * mask``, and the pooler reads the first real
token (the [CLS]), so a padded sequence gets the same logits as the unpadded one.
Masked keys get -inf before the softmax (weight exactly 0).
"""
from __future__ import annotations

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


class BertEmbeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size,
                                            padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids, position_ids):
        h = (self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
             + self.token_type_embeddings(token_type_ids))
        return self.dropout(self.layer_norm(h))


class BertSelfAttention(nn.Module):
    """Multi-head self-attention with output projection (``query``, ``key``, ``value``, ``output``)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        h = config.hidden_size
        self.n_heads = config.num_attention_heads
        self.d_k = h // self.n_heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.output = nn.Linear(h, h)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def forward(self, x, key_blocked):
        b, t, d = x.shape

        def split(y):  # (B, T, D) -> (B, H, T, d_k)
            return y.view(b, t, self.n_heads, self.d_k).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)
        scores = scores.masked_fill(key_blocked[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = (self.dropout(weights) @ v).transpose(1, 2).contiguous().view(b, t, d)
        return self.output(context)


class BertLayer(nn.Module):
    """Post-LN encoder layer."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertSelfAttention(config)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.intermediate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.output = nn.Linear(config.intermediate_size, config.hidden_size)
        self.output_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, h, key_blocked):
        h = self.attention_norm(h + self.dropout(self.attention(h, key_blocked)))
        h = self.output_norm(h + self.dropout(self.output(F.gelu(self.intermediate(h)))))
        return h


class BertClassifier(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.layers = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def encode(self, input_ids, attention_mask=None, token_type_ids=None):
        """Returns (sequence_output (B, T, H), pooled_output (B, H))."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        mask = attention_mask.to(torch.long)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        position_ids = (mask.cumsum(dim=1) - 1) * mask      # real tokens 0, 1, 2, ...; padding 0
        h = self.embeddings(input_ids, token_type_ids, position_ids)
        key_blocked = mask == 0
        for layer in self.layers:
            h = layer(h, key_blocked)
        first = (1 - mask).sum(dim=1)                          # the [CLS]: first real token of each row
        cls = h[torch.arange(h.shape[0], device=h.device), first]
        pooled = torch.tanh(self.pooler(cls))
        return h, pooled

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        """Returns logits (B, num_labels)."""
        _, pooled = self.encode(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(pooled))
