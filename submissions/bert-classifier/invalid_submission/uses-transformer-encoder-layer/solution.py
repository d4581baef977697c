"""Candidate sample: builds the encoder from torch.nn.TransformerEncoderLayer (forbidden)."""
from dataclasses import dataclass

import torch
from torch.nn import Dropout, Embedding, LayerNorm, Linear, Module, TransformerEncoder, TransformerEncoderLayer


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


class BertClassifier(Module):
    def __init__(self, config):
        super().__init__()
        c = config
        self.word_embeddings = Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = Embedding(c.type_vocab_size, c.hidden_size)
        self.layer_norm = LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.drop = Dropout(c.hidden_dropout_prob)
        layer = TransformerEncoderLayer(c.hidden_size, c.num_attention_heads, c.intermediate_size,
                                        c.hidden_dropout_prob, activation="gelu",
                                        layer_norm_eps=c.layer_norm_eps, batch_first=True)
        self.encoder = TransformerEncoder(layer, c.num_hidden_layers, enable_nested_tensor=False)
        self.pooler = Linear(c.hidden_size, c.hidden_size)
        self.classifier = Linear(c.hidden_size, c.num_labels)

    def encode(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        m = attention_mask.long()
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        pos = (m.cumsum(1) - 1) * m
        h = self.word_embeddings(input_ids) + self.position_embeddings(pos) \
            + self.token_type_embeddings(token_type_ids)
        h = self.encoder(self.drop(self.layer_norm(h)), src_key_padding_mask=m == 0)
        cls = h[torch.arange(h.shape[0]), m.argmax(1)]
        return h, torch.tanh(self.pooler(cls))

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        return self.classifier(self.drop(self.encode(input_ids, attention_mask, token_type_ids)[1]))
