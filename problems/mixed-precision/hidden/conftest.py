"""Fixtures for the mixed-precision suite (the same file is shipped as public/conftest.py)."""
import numpy as np
import pytest
import torch
from torch import nn


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


class MLP(nn.Module):
    """Linear -> GELU -> Linear; records, per forward, the dtype each linear produced and
    whether autocast was on."""

    def __init__(self, d_in, hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, n_out)
        self.seen = []

    def forward(self, x):
        h = self.fc1(x)
        out = self.fc2(torch.nn.functional.gelu(h))
        self.seen.append({"autocast": torch.is_autocast_enabled("cpu"), "fc1": str(h.dtype),
                          "out": str(out.dtype), "x": str(x.dtype)})
        return out


class RecordingLoss:
    """cross_entropy that records the dtype it receives and whether autocast is on."""

    def __init__(self):
        self.seen = []

    def __call__(self, output, y):
        self.seen.append({"autocast": torch.is_autocast_enabled("cpu"), "output": str(output.dtype)})
        return torch.nn.functional.cross_entropy(output, y)


@pytest.fixture
def make_mlp(torch_seed):
    """make_mlp(d_in, hidden, n_out): weights from torch's generator, seeded by torch_seed."""

    def make(d_in=12, hidden=24, n_out=5):
        return MLP(d_in, hidden, n_out)

    return make


@pytest.fixture
def make_loss():
    return RecordingLoss


@pytest.fixture
def data(rng):
    """data(n, d_in, n_out, scale=1.0) -> (x float32, y int64) from the test's rng."""

    def draw(n, d_in, n_out, scale=1.0):
        x = torch.from_numpy(np.asarray(scale * rng.standard_normal((n, d_in)), dtype=np.float32))
        y = torch.from_numpy(rng.integers(0, n_out, size=n).astype(np.int64))
        return x, y

    return draw


@pytest.fixture
def randn(rng):
    def draw(*shape, scale=1.0):
        return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape), dtype=np.float32))

    return draw
