import re
from collections import Counter

import torch
from torch import nn
from torch.nn import functional as F


def tokenize(text):
    return [t for t in re.split(r"\s+", text.lower()) if t]


def build_vocab(texts, min_freq=1, specials=("<pad>", "<unk>")):
    if min_freq < 1:
        raise ValueError("min_freq")
    counter = Counter()
    for text in texts:
        counter.update(tokenize(text))
    ranked = sorted(((-c, w) for w, c in counter.items() if c >= min_freq and w not in specials))
    return dict(zip(list(specials) + [w for _, w in ranked], range(len(specials) + len(ranked))))


def encode(texts, vocab, max_len):
    if max_len <= 0:
        raise ValueError("max_len")
    pad_id, unk_id = vocab["<pad>"], vocab["<unk>"]
    encoded = [[vocab.get(t, unk_id) for t in tokenize(x)[:max_len]] for x in texts]
    lengths = torch.tensor([len(e) for e in encoded], dtype=torch.long)
    ids = torch.full((len(texts), max_len), pad_id, dtype=torch.long)
    for i, e in enumerate(encoded):
        if e:
            ids[i, :len(e)] = torch.tensor(e)
    mask = torch.arange(max_len).unsqueeze(0) < lengths.unsqueeze(1)
    return ids, mask


class MeanEmbeddingClassifier(nn.Module):
    def __init__(self, vocab_size, dim, num_classes, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.fc = nn.Linear(dim, num_classes)
        self.pad_id = pad_id

    def forward(self, ids):
        # embedding_bag leaves padding_idx out of the mean; an empty bag gives zeros
        pooled = F.embedding_bag(ids, self.embedding.weight, mode="mean", padding_idx=self.pad_id)
        return self.fc(pooled)


def train(model, ids, labels, epochs, lr, batch_size, seed=0):
    if ids.size(0) != labels.size(0) or batch_size < 1:
        raise ValueError("bad arguments")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(epochs):
        perm = torch.randperm(ids.size(0), generator=generator)
        for batch in torch.split(perm, batch_size):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(ids[batch]), labels[batch])
            loss.backward()
            optimizer.step()
            out.append(loss.item())
    return out
