"""Vocabulary, encoding and a mean-of-embeddings text classifier. See spec.md."""
import torch
import torch.nn.functional as F
from torch import nn


def tokenize(text):
    """Return text.lower().split()."""
    raise NotImplementedError


def build_vocab(texts, min_freq=1, specials=("<pad>", "<unk>")):
    """Return a dict token -> id: specials first, then tokens with count >= min_freq
    by descending count, ties in alphabetical order. ValueError if min_freq < 1."""
    raise NotImplementedError


def encode(texts, vocab, max_len):
    """Return (ids, mask): torch.long and torch.bool tensors of shape (len(texts), max_len).

    Unknown tokens -> vocab["<unk>"]; keep the first max_len tokens; pad on the right
    with vocab["<pad>"]; mask is True at the text's tokens. ValueError if max_len < 1."""
    raise NotImplementedError


class MeanEmbeddingClassifier(nn.Module):
    """Mean of the embeddings of the non-pad tokens, then a Linear layer."""

    def __init__(self, vocab_size, dim, num_classes, pad_id=0):
        super().__init__()
        # create self.embedding (nn.Embedding, padding_idx=pad_id), then self.fc (nn.Linear)
        raise NotImplementedError

    def forward(self, ids):
        """ids: (B, L) torch.long -> logits (B, num_classes) float32."""
        raise NotImplementedError


def train(model, ids, labels, epochs, lr, batch_size, seed=0):
    """Adam + cross-entropy on shuffled mini-batches (see spec.md); return every batch loss."""
    raise NotImplementedError
