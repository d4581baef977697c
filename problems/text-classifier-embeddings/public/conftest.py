"""Fixtures for the text-classifier-embeddings suite: a synthetic corpus drawn from the test's rng.

The same file is shipped as public/conftest.py.
"""
import pytest
import torch

LETTERS = list("abcdefghijklmnopqrstuvwxyz")
SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", " \t "]


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


def random_words(rng, n, min_len=2, max_len=6):
    """n distinct random lower-case words."""
    words = set()
    while len(words) < n:
        size = int(rng.integers(min_len, max_len + 1))
        words.add("".join(rng.choice(LETTERS, size=size)))
    return sorted(words, key=lambda w: rng.random())


def join_tokens(rng, tokens):
    """Join tokens with random whitespace, random case, optional leading/trailing blanks."""
    out = []
    for tok in tokens:
        roll = rng.random()
        out.append(tok.upper() if roll < 0.1 else tok.capitalize() if roll < 0.25 else tok)
        out.append(SEPARATORS[int(rng.integers(len(SEPARATORS)))])
    text = "".join(out[:-1])
    if rng.random() < 0.2:
        text = " " + text + "\n"
    return text


class Language:
    """Each class has its own keywords; noise words are shared by all classes."""

    def __init__(self, rng, num_classes=3, keywords=5, noise=12):
        words = random_words(rng, num_classes * keywords + noise + 10)
        self.num_classes = num_classes
        self.keywords = [words[k * keywords:(k + 1) * keywords] for k in range(num_classes)]
        self.noise = words[num_classes * keywords:num_classes * keywords + noise]
        self.unseen = words[-10:]  # never in training texts

    def sample(self, rng, n, max_tokens=10, p_keyword=0.4, p_unseen=0.0, p_empty=0.0):
        """n texts and their labels (a list of str, a torch.long tensor)."""
        texts, labels = [], []
        for _ in range(n):
            k = int(rng.integers(self.num_classes))
            length = 0 if rng.random() < p_empty else int(rng.integers(1, max_tokens + 1))
            tokens = []
            for _ in range(length):
                roll = rng.random()
                pool = self.keywords[k] if roll < p_keyword else (
                    self.unseen if roll < p_keyword + p_unseen else self.noise)
                tokens.append(pool[int(rng.integers(len(pool)))])
            if tokens and not any(t in self.keywords[k] for t in tokens):
                tokens[int(rng.integers(len(tokens)))] = self.keywords[k][int(rng.integers(len(self.keywords[k])))]
            texts.append(join_tokens(rng, tokens) if tokens else str(rng.choice(["", " ", "\t\n"])))
            labels.append(k)
        return texts, torch.tensor(labels, dtype=torch.long)


@pytest.fixture
def language(rng):
    return Language(rng)


@pytest.fixture
def randn(rng):
    """randn(*shape, scale=1.0) -> float32 tensor drawn from the test's rng."""

    def draw(*shape, scale=1.0):
        return torch.tensor(scale * rng.standard_normal(shape), dtype=torch.float32)

    return draw
