"""Vocabulary, encoding and a mean-of-embeddings text classifier. See spec.md."""
import math
from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn


def tokenize(text):
    """Return text.lower().split()."""
    return text.lower().split()


def build_vocab(texts, min_freq=1, specials=("<pad>", "<unk>")):
    """Return a dict token -> id: specials first, then tokens with count >= min_freq
    by descending count, ties in alphabetical order. ValueError if min_freq < 1."""
    if min_freq < 1:
        raise ValueError(f"min_freq must be >= 1, got {min_freq}")
    vocab = {}
    for tok in specials:
        if tok not in vocab:
            vocab[tok] = len(vocab)
    counts = Counter()
    for text in texts:
        counts.update(tokenize(text))
    kept = [(tok, c) for tok, c in counts.items() if c >= min_freq and tok not in vocab]
    kept.sort(key=lambda tc: (-tc[1], tc[0]))
    for tok, _ in kept:
        vocab[tok] = len(vocab)
    return vocab


def encode(texts, vocab, max_len):
    """Return (ids, mask): torch.long and torch.bool tensors of shape (len(texts), max_len).

    Unknown tokens -> vocab["<unk>"]; keep the first max_len tokens; pad on the right
    with vocab["<pad>"]; mask is True at the text's tokens. ValueError if max_len < 1."""
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1, got {max_len}")
    pad_id = vocab["<pad>"]
    unk_id = vocab["<unk>"]
    ids = torch.full((len(texts), max_len), pad_id, dtype=torch.long)
    mask = torch.zeros((len(texts), max_len), dtype=torch.bool)
    for i, text in enumerate(texts):
        tokens = tokenize(text)[:max_len]
        if tokens:
            ids[i, :len(tokens)] = torch.tensor([vocab.get(t, unk_id) for t in tokens], dtype=torch.long)
            mask[i, :len(tokens)] = True
    return ids, mask


class MeanEmbeddingClassifier(nn.Module):
    """Mean of the embeddings of the non-pad tokens, then a Linear layer."""

    def __init__(self, vocab_size, dim, num_classes, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.fc = nn.Linear(dim, num_classes)
        self.pad_id = pad_id

    def forward(self, ids):
        """ids: (B, L) torch.long -> logits (B, num_classes) float32."""
        real = ids != self.pad_id                                   # (B, L)
        emb = self.embedding(ids)                                   # (B, L, D)
        # masked_fill (not a multiply) so that even a non-finite pad row contributes nothing
        emb = emb.masked_fill(~real.unsqueeze(-1), 0.0)
        total = emb.sum(dim=1)                                      # (B, D)
        count = real.sum(dim=1, keepdim=True).clamp(min=1).to(total.dtype)
        return self.fc(total / count)


def train(model, ids, labels, epochs, lr, batch_size, seed=0):
    """Adam + cross-entropy on shuffled mini-batches (see spec.md); return every batch loss."""
    if ids.shape[0] != labels.shape[0]:
        raise ValueError(f"ids has {ids.shape[0]} rows but labels has {labels.shape[0]}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = ids.shape[0]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for k in range(0, n, batch_size):
            batch = perm[k:k + batch_size]
            loss = F.cross_entropy(model(ids[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
