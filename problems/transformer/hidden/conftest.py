"""Shared fixtures for the transformer hidden suite.

Weights are never left to the submission's own initialisation: every test
builds the module, then loads a state_dict generated from the test's ``rng``
with the parameter names and shapes the spec fixes. Reference and candidate
therefore run with identical weights.
"""
import math

import numpy as np
import pytest
import torch

ATTN_PROJ = ("q_proj", "k_proj", "v_proj", "out_proj")


@pytest.fixture(autouse=True)
def _single_thread():
    # One intra-op thread: same reduction order on every run, no oversubscription
    # of the sandbox's single CPU.
    torch.set_num_threads(1)
    yield


def attention_shapes(d_model, prefix=""):
    shapes = {}
    for name in ATTN_PROJ:
        shapes[f"{prefix}{name}.weight"] = (d_model, d_model)
        shapes[f"{prefix}{name}.bias"] = (d_model,)
    return shapes


def layer_shapes(d_model, d_ff):
    shapes = attention_shapes(d_model, prefix="attn.")
    for norm in ("norm1", "norm2"):
        shapes[f"{norm}.weight"] = (d_model,)
        shapes[f"{norm}.bias"] = (d_model,)
    shapes["ff1.weight"] = (d_ff, d_model)
    shapes["ff1.bias"] = (d_ff,)
    shapes["ff2.weight"] = (d_model, d_ff)
    shapes["ff2.bias"] = (d_model,)
    return shapes


def random_state(rng, shapes, dtype=torch.float32):
    """A state_dict for ``shapes`` drawn from ``rng`` (keys in sorted order)."""
    state = {}
    for key in sorted(shapes):
        shape = shapes[key]
        if len(shape) == 2:                       # Linear weight (out, in)
            arr = rng.standard_normal(shape) / math.sqrt(shape[1])
        elif "norm" in key and key.endswith(".weight"):
            arr = 1.0 + 0.2 * rng.standard_normal(shape)
        else:                                     # biases
            arr = 0.2 * rng.standard_normal(shape)
        state[key] = torch.from_numpy(np.ascontiguousarray(arr)).to(dtype)
    return state


@pytest.fixture
def load_weights(rng):
    """load_weights(module, shapes, dtype, patch) -> module, with seeded weights loaded
    strictly; ``patch`` (key -> tensor) replaces some of them."""

    def load(module, shapes, dtype=torch.float32, patch=None):
        module.to(dtype)   # the module is converted first, as the spec says
        state = random_state(rng, shapes, dtype)
        for key, value in (patch or {}).items():
            state[key] = value.to(dtype)
        module.load_state_dict(state, strict=True)
        return module

    return load


@pytest.fixture
def make_attention(solution, load_weights):
    def make(d_model, n_heads, dropout=0.1, dtype=torch.float32):
        m = solution.MultiHeadSelfAttention(d_model, n_heads, dropout=dropout)
        return load_weights(m, attention_shapes(d_model), dtype).eval()

    return make


@pytest.fixture
def make_layer(solution, load_weights):
    def make(d_model, n_heads, d_ff, dropout=0.1, dtype=torch.float32, **kwargs):
        m = solution.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=dropout, **kwargs)
        return load_weights(m, layer_shapes(d_model, d_ff), dtype).eval()

    return make


@pytest.fixture
def randn(rng):
    """randn(*shape, dtype=float32) -> a tensor drawn from the test's rng."""

    def draw(*shape, dtype=torch.float32):
        return torch.from_numpy(rng.standard_normal(shape)).to(dtype)

    return draw


@pytest.fixture
def padding_mask(rng):
    """padding_mask(B, T) -> bool (B, T), True on right padding; every row keeps >= 1 token,
    at least one row is unpadded and at least one row is padded."""

    def make(batch, length):
        lengths = rng.integers(1, length, size=batch)
        lengths[0] = length
        rng.shuffle(lengths)
        return torch.arange(length)[None, :] >= torch.from_numpy(lengths)[:, None]

    return make
