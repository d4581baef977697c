"""Fixtures for the magnitude-pruning hidden suite: a small conv net with weights from the test's rng."""
import numpy as np
import pytest
import torch
from torch import nn


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


class TaggedLinear(nn.Linear):
    """A subclass of nn.Linear: its weight is prunable too."""


class Net(nn.Module):
    """Conv2d (bias) -> BatchNorm2d -> Conv2d (no bias) -> Conv1d -> Linear subclass -> LayerNorm -> Linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.bn = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1, bias=False)
        self.mix = nn.Conv1d(8, 4, 3, padding=1)
        self.head = nn.Sequential(TaggedLinear(64, 16), nn.LayerNorm(16), nn.ReLU(), nn.Linear(16, 5))

    def forward(self, x):
        h = torch.max_pool2d(torch.relu(self.bn(self.conv1(x))), 2)
        h = torch.relu(self.conv2(h)).flatten(2)
        return self.head(self.mix(h).flatten(1))


PRUNABLE = ["conv1.weight", "conv2.weight", "head.0.weight", "head.3.weight"]
# per-parameter scales: the layers differ in size, so a global threshold prunes them unevenly;
# the unprunable weights (BatchNorm, Conv1d, LayerNorm) are smaller than any prunable one
SCALES = {"conv1.weight": 0.5, "conv2.weight": 0.2, "head.0.weight": 0.05, "head.3.weight": 0.3,
          "bn.weight": 0.01, "mix.weight": 0.01, "head.1.weight": 0.01}


@pytest.fixture
def randn(rng):
    def draw(*shape, scale=1.0):
        return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape), dtype=np.float32))

    return draw


@pytest.fixture
def make_net(rng, randn):
    """make_net(values=None) -> Net; every parameter drawn from the rng. With ``values`` (allowed
    magnitudes), the prunable weights are drawn from them with random signs: many exact ties."""

    def make(values=None):
        net = Net()
        with torch.no_grad():
            for name, p in net.named_parameters():
                if values is not None and name in PRUNABLE:
                    mags = np.asarray(values, dtype=np.float32)[rng.integers(len(values), size=p.shape)]
                    p.copy_(torch.from_numpy(mags * rng.choice(np.float32([-1.0, 1.0]), size=p.shape)))
                else:
                    p.copy_(randn(*p.shape, scale=SCALES.get(name, 0.1)))
        return net

    return make


@pytest.fixture
def images(randn):
    def draw(batch=4):
        return randn(batch, 3, 10, 10)

    return draw


def pruned_count(mask):
    return int((~mask).sum())
