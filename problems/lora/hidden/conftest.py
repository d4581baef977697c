"""Fixtures for the lora hidden suite."""
import numpy as np
import pytest
import torch
from torch import nn


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


@pytest.fixture
def randn(rng):
    """randn(*shape, scale=1.0) -> float32 tensor drawn from the test's rng."""

    def draw(*shape, scale=1.0):
        return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape), dtype=np.float32))

    return draw


@pytest.fixture
def linear(randn):
    """linear(in, out, bias=True) -> an nn.Linear with weights from the test's rng."""

    def make(n_in, n_out, bias=True):
        layer = nn.Linear(n_in, n_out, bias=bias)
        with torch.no_grad():
            layer.weight.copy_(randn(n_out, n_in, scale=1.0 / n_in ** 0.5))
            if bias:
                layer.bias.copy_(randn(n_out, scale=0.3))
        return layer

    return make


class Block(nn.Module):
    def __init__(self, d, linear):
        super().__init__()
        self.attn = nn.Module()
        self.attn.q = linear(d, d)
        self.attn.k = linear(d, d, bias=False)
        self.attn.qk = linear(d, d)
        self.xattn = nn.Module()
        self.xattn.q = linear(d, d)
        self.mlp = nn.Sequential(linear(d, 2 * d), nn.GELU(), linear(2 * d, d))
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        h = self.norm(x)
        x = x + torch.tanh(self.attn.q(h)) * self.attn.k(h) + 0.5 * self.attn.qk(h) - 0.3 * self.xattn.q(h)
        return x + self.mlp(self.norm(x))


class Net(nn.Module):
    """Nested modules: a ModuleList of blocks, a Sequential inside each, a head."""

    def __init__(self, d, n_blocks, n_out, linear):
        super().__init__()
        self.embed = linear(5, d)
        self.blocks = nn.ModuleList([Block(d, linear) for _ in range(n_blocks)])
        self.head = linear(d, n_out)

    def forward(self, x):
        h = self.embed(x)
        for block in self.blocks:
            h = block(h)
        return self.head(h)


@pytest.fixture
def make_net(linear):
    def make(d=8, n_blocks=2, n_out=3):
        return Net(d, n_blocks, n_out, linear)

    return make
