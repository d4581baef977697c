"""Fixtures for the quantization hidden suite."""
import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


@pytest.fixture
def randn(rng):
    """randn(*shape, scale=1.0, shift=0.0) -> float32 tensor drawn from the test's rng."""

    def draw(*shape, scale=1.0, shift=0.0):
        return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape) + shift, dtype=np.float32))

    return draw


@pytest.fixture
def uniform(rng):
    """uniform(lo, hi, *shape) -> float32 tensor."""

    def draw(lo, hi, *shape):
        return torch.from_numpy(np.asarray(rng.uniform(lo, hi, size=shape), dtype=np.float32))

    return draw
