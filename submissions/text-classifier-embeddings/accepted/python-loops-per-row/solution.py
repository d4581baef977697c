import torch
import torch.nn.functional as F
from torch import nn


def tokenize(text):
    return text.lower().split()


def build_vocab(texts, min_freq=1, specials=("<pad>", "<unk>")):
    if min_freq < 1:
        raise ValueError(f"min_freq must be at least 1, got {min_freq}")
    counts = {}
    for text in texts:
        for token in tokenize(text):
            counts[token] = counts.get(token, 0) + 1
    vocab = {}
    for special in specials:
        vocab[special] = len(vocab)
    words = sorted(counts)                                  # alphabetical ...
    words.sort(key=lambda w: counts[w], reverse=True)       # ... then by count (stable sort)
    for word in words:
        if counts[word] >= min_freq and word not in vocab:
            vocab[word] = len(vocab)
    return vocab


def encode(texts, vocab, max_len):
    if max_len < 1:
        raise ValueError("max_len must be positive")
    pad, unk = vocab["<pad>"], vocab["<unk>"]
    rows, masks = [], []
    for text in texts:
        tokens = tokenize(text)[:max_len]
        row = [vocab[t] if t in vocab else unk for t in tokens]
        rows.append(row + [pad] * (max_len - len(row)))
        masks.append([True] * len(row) + [False] * (max_len - len(row)))
    if not rows:
        return torch.empty(0, max_len, dtype=torch.long), torch.empty(0, max_len, dtype=torch.bool)
    return torch.tensor(rows, dtype=torch.long), torch.tensor(masks, dtype=torch.bool)


class MeanEmbeddingClassifier(nn.Module):
    def __init__(self, vocab_size, dim, num_classes, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.fc = nn.Linear(dim, num_classes)
        self.pad_id = pad_id

    def forward(self, ids):
        pooled = []
        for row in ids:
            real = row[row != self.pad_id]
            if len(real) == 0:
                pooled.append(torch.zeros(self.embedding.embedding_dim))
            else:
                pooled.append(self.embedding(real).mean(dim=0))
        return self.fc(torch.stack(pooled))


def train(model, ids, labels, epochs, lr, batch_size, seed=0):
    n = len(ids)
    if n != len(labels):
        raise ValueError("ids and labels must have the same length")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator()
    gen.manual_seed(seed)
    history = []
    for epoch in range(epochs):
        order = torch.randperm(n, generator=gen)
        k = 0
        while k < n:
            idx = order[k:k + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(ids[idx]), labels[idx])
            loss.backward()
            opt.step()
            history.append(float(loss.item()))
            k += batch_size
    return history
