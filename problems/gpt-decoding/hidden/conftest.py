"""Fixtures for the gpt-decoding hidden suite: seeded TinyGPT models and left-padded prompts."""
import numpy as np
import pytest
import torch

from tiny_gpt import TinyGPT


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


@pytest.fixture
def make_model(rng):
    """make_model(vocab_size=48) -> a TinyGPT whose weights come from the test's rng."""

    def make(vocab_size=48, **kwargs):
        return TinyGPT(vocab_size=vocab_size, seed=int(rng.integers(2**31)), **kwargs).eval()

    return make


@pytest.fixture
def prompts(rng):
    """prompts(B, P, V, padded=True) -> (input_ids int64 (B, P), mask int64 (B, P)), left padded:
    with ``padded``, at least one row is full and at least one row has padding (junk ids)."""

    def make(batch, length, vocab, padded=True):
        ids = torch.from_numpy(rng.integers(0, vocab, size=(batch, length)))
        if not padded:
            return ids, torch.ones(batch, length, dtype=torch.int64)
        lengths = rng.integers(1, length, size=batch)
        lengths[0] = length
        rng.shuffle(lengths)
        mask = (torch.arange(length)[None, :] >= torch.from_numpy(length - lengths)[:, None]).to(torch.int64)
        return ids, mask

    return make


@pytest.fixture
def make_generator(rng):
    def make():
        return torch.Generator().manual_seed(int(rng.integers(2**31)))

    return make


@pytest.fixture
def randn(rng):
    def draw(*shape, scale=1.0):
        return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape), dtype=np.float32))

    return draw
