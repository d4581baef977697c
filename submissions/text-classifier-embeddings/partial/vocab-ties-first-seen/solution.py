from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn


def tokenize(text):
    return text.lower().split()


def build_vocab(texts, min_freq=1, specials=("<pad>", "<unk>")):
    if min_freq < 1:
        raise ValueError("min_freq must be >= 1")
    counts = Counter(tok for text in texts for tok in tokenize(text))
    vocab = {tok: i for i, tok in enumerate(specials)}
    kept = [tok for tok, c in counts.items() if c >= min_freq and tok not in vocab]
    for tok in sorted(kept, key=lambda t: -counts[t]):
        vocab[tok] = len(vocab)
    return vocab


def encode(texts, vocab, max_len):
    if max_len < 1:
        raise ValueError("max_len must be >= 1")
    pad_id, unk_id = vocab["<pad>"], vocab["<unk>"]
    ids = torch.full((len(texts), max_len), pad_id, dtype=torch.long)
    mask = torch.zeros((len(texts), max_len), dtype=torch.bool)
    for i, text in enumerate(texts):
        row = [vocab.get(tok, unk_id) for tok in tokenize(text)][:max_len]
        ids[i, :len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, :len(row)] = True
    return ids, mask


class MeanEmbeddingClassifier(nn.Module):
    def __init__(self, vocab_size, dim, num_classes, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.fc = nn.Linear(dim, num_classes)
        self.pad_id = pad_id

    def forward(self, ids):
        keep = (ids != self.pad_id).unsqueeze(-1).to(torch.float32)
        summed = (self.embedding(ids) * keep).sum(dim=1)
        count = keep.sum(dim=1).clamp(min=1.0)
        return self.fc(summed / count)


def train(model, ids, labels, epochs, lr, batch_size, seed=0):
    if ids.shape[0] != labels.shape[0]:
        raise ValueError("ids and labels differ in length")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(ids.shape[0], generator=gen)
        for start in range(0, ids.shape[0], batch_size):
            batch = perm[start:start + batch_size]
            loss = F.cross_entropy(model(ids[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
