"""structured_channel_masks: output channels by L1 norm."""
import math

import numpy as np
import pytest
import torch
from torch import nn


def pruned_channels(mask):
    return [int(c) for c in range(mask.shape[0]) if not bool(mask[c].any())]


def assert_channel_mask(mask, layer, amount):
    assert isinstance(mask, torch.Tensor) and mask.dtype == torch.bool and mask.shape == layer.weight.shape
    rows = mask.flatten(1)
    assert bool((rows.all(dim=1) | ~rows.any(dim=1)).all()), "every channel is kept or pruned whole"
    assert len(pruned_channels(mask)) == math.floor(amount * layer.weight.shape[0])


def spread_rows(rng, randn, layer):
    """Each output channel gets its own scale, so the L1 norms are well apart."""
    with torch.no_grad():
        w = randn(*layer.weight.shape)
        scales = torch.from_numpy(rng.permutation(layer.weight.shape[0]).astype(np.float32) + 1.0)
        layer.weight.copy_(w * scales.view(-1, *[1] * (w.dim() - 1)) * 0.1)
        if layer.bias is not None:
            layer.bias.copy_(randn(*layer.bias.shape))


@pytest.mark.weight(3)
def test_conv2d_output_channels_by_l1(check, rng, solution, randn):
    layer = nn.Conv2d(5, int(rng.integers(9, 14)), 3)
    spread_rows(rng, randn, layer)
    w0, b0 = layer.weight.detach().clone(), layer.bias.detach().clone()
    amount = float(rng.uniform(0.2, 0.8))
    mask = solution.structured_channel_masks(layer, amount)
    assert_channel_mask(mask, layer, amount)
    check("mask", mask, exact=True)
    check("pruned", pruned_channels(mask), exact=True)
    unchanged = torch.equal(layer.weight, w0) and torch.equal(layer.bias, b0)
    check("layer_unchanged", unchanged, exact=True)
    assert unchanged
    # the mask owns its memory: pruning one more weight by hand changes exactly that entry
    kept = [c for c in range(mask.shape[0]) if bool(mask[c].all())]
    c = kept[int(rng.integers(len(kept)))]
    mask[c, 0, 0, 0] = False
    after = int((~mask).sum())
    check("pruned_after_edit", after, exact=True)
    assert after == len(pruned_channels(mask)) * 45 + 1


@pytest.mark.weight(2)
def test_linear_output_channels_are_rows(check, rng, solution, randn):
    n_out = int(rng.integers(8, 12))
    layer = nn.Linear(n_out + int(rng.integers(2, 5)), n_out)   # in_features != out_features
    spread_rows(rng, randn, layer)
    amount = float(rng.uniform(0.2, 0.8))
    mask = solution.structured_channel_masks(layer, amount)
    assert_channel_mask(mask, layer, amount)
    check("mask", mask, exact=True)
    check("pruned", pruned_channels(mask), exact=True)


@pytest.mark.weight(2)
def test_l1_norm_not_l2(check, rng, solution):
    """Half the rows are one spike (small L1, large L2), half are flat (large L1, small L2)."""
    n_in, n_out = 8, 6
    rows = []
    for kind in rng.permutation([0, 0, 0, 1, 1, 1]):
        row = np.zeros(n_in, dtype=np.float32)
        if kind == 0:
            row[rng.integers(n_in)] = rng.uniform(1.6, 2.0)
        else:
            row[:] = rng.uniform(0.27, 0.3)
        rows.append(row * rng.choice(np.float32([-1.0, 1.0]), size=n_in))
    layer = nn.Linear(n_in, n_out)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.stack(rows)))
    mask = solution.structured_channel_masks(layer, 0.5)
    check("pruned", pruned_channels(mask), exact=True)
    check("mask", mask, exact=True)


@pytest.mark.weight(2)
def test_ties_lower_channel_first(check, rng, solution):
    """Channels that are sign flips and permutations of one dyadic pattern: equal L1 norms exactly."""
    layer = nn.Conv2d(3, 10, 2)
    base = rng.choice(np.float32([0.25, 0.5, 0.75]), size=12)
    with torch.no_grad():
        w = np.stack([rng.permutation(base) * rng.choice(np.float32([-1.0, 1.0]), size=12) for _ in range(10)])
        smaller = rng.choice(10, size=3, replace=False)
        w[smaller] *= 0.5   # three channels clearly smaller: pruned first, the rest tie
        layer.weight.copy_(torch.from_numpy(w.reshape(10, 3, 2, 2)))
    amount = float(rng.uniform(0.45, 0.75))
    mask = solution.structured_channel_masks(layer, amount)
    assert_channel_mask(mask, layer, amount)
    check("pruned", pruned_channels(mask), exact=True)
    check("mask", mask, exact=True)


@pytest.mark.weight(1)
def test_amount_zero_one_and_validation(check, rng, solution, randn):
    layer = nn.Conv2d(2, 4, 3)
    spread_rows(rng, randn, layer)
    full = solution.structured_channel_masks(layer, 0.0)
    empty = solution.structured_channel_masks(layer, 1.0)
    check("zero", full, exact=True)
    check("one", empty, exact=True)
    assert bool(full.all()) and not bool(empty.any())
    raised = []
    for bad in (-0.1, 1.1, float("nan")):
        with pytest.raises(ValueError):
            solution.structured_channel_masks(layer, bad)
        raised.append("ValueError")
    for other in (nn.Conv1d(2, 4, 3), nn.LayerNorm(4), nn.Sequential(nn.Linear(3, 3))):
        with pytest.raises(TypeError):
            solution.structured_channel_masks(other, 0.5)
        raised.append("TypeError")
    with pytest.raises(TypeError):   # the layer's type is checked before the amount
        solution.structured_channel_masks(nn.Conv1d(2, 4, 3), 2.0)
    check("raised", raised)
