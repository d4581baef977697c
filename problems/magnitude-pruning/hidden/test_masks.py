"""layerwise_masks and global_masks: which weights, how many, which ones, validation."""
import math

import pytest
import torch
from torch import nn

from conftest import PRUNABLE, pruned_count

TIES = [0.25, 0.5, 0.75, 1.0]   # dyadic magnitudes: exact ties, with random signs


def as_checked(masks):
    return {name: m.numpy() for name, m in masks.items()}


def assert_well_formed(masks, net):
    params = dict(net.named_parameters())
    keys = list(masks)
    assert keys == PRUNABLE, keys
    for name, m in masks.items():
        assert isinstance(m, torch.Tensor) and m.dtype == torch.bool and m.shape == params[name].shape, name


def magnitudes_split(masks, net):
    """(largest pruned |w|, smallest kept |w|) over the masked weights."""
    params = dict(net.named_parameters())
    pruned = torch.cat([params[n].detach().abs()[~m] for n, m in masks.items()])
    kept = torch.cat([params[n].detach().abs()[m] for n, m in masks.items()])
    return float(pruned.max()), float(kept.min())


@pytest.mark.weight(3)
def test_layerwise_masks_match(check, rng, solution, make_net):
    net = make_net()
    s = float(rng.uniform(0.15, 0.85))
    masks = solution.layerwise_masks(net, s)
    assert_well_formed(masks, net)
    check("keys", list(masks))
    check("masks", as_checked(masks), exact=True)
    counts = {n: pruned_count(m) for n, m in masks.items()}
    check("pruned_per_layer", counts, exact=True)
    for name, m in masks.items():
        assert counts[name] == math.floor(s * m.numel()), name
        hi, lo = magnitudes_split({name: m}, net)
        assert hi <= lo, name


@pytest.mark.weight(3)
def test_global_masks_match(check, rng, solution, make_net):
    net = make_net()
    s = float(rng.uniform(0.15, 0.85))
    masks = solution.global_masks(net, s)
    assert_well_formed(masks, net)
    check("masks", as_checked(masks), exact=True)
    counts = {n: pruned_count(m) for n, m in masks.items()}
    check("pruned_per_layer", counts, exact=True)
    total = sum(m.numel() for m in masks.values())
    check("pruned_total", sum(counts.values()), exact=True)
    assert sum(counts.values()) == math.floor(s * total)
    hi, lo = magnitudes_split(masks, net)
    assert hi <= lo


@pytest.mark.weight(2)
def test_count_is_floor(check, rng, solution, randn):
    """floor(s * n) exactly: fractions chosen so that s * n ends in .1-.45 and in .55-.9."""
    n_in, n_out = int(rng.integers(5, 12)), int(rng.integers(3, 9))
    layer = nn.Linear(n_in, n_out)
    conv = nn.Conv2d(2, int(rng.integers(2, 6)), 3)
    with torch.no_grad():
        for p in (layer.weight, conv.weight):
            p.copy_(randn(*p.shape))
    counts = {}
    for model, key in ((layer, "weight"), (conv, "weight")):
        n = model.weight.numel()
        for label, lo, hi in (("low", 0.1, 0.45), ("high", 0.55, 0.9)):
            s = (int(rng.integers(1, n - 1)) + float(rng.uniform(lo, hi))) / n
            for fn in (solution.layerwise_masks, solution.global_masks):
                masks = fn(model, s)
                assert list(masks) == [key]
                counts[f"{type(model).__name__}/{fn.__name__}/{label}"] = pruned_count(masks[key])
                assert pruned_count(masks[key]) == math.floor(s * n)
    check("counts", counts, exact=True)


@pytest.mark.weight(3)
def test_ties_lower_index_first(check, rng, solution, make_net):
    net = make_net(values=TIES)
    s1, s2 = float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8))
    lw = solution.layerwise_masks(net, s1)
    gl = solution.global_masks(net, s2)
    check("layerwise", as_checked(lw), exact=True)
    check("global", as_checked(gl), exact=True)
    check("global_per_layer", {n: pruned_count(m) for n, m in gl.items()}, exact=True)


@pytest.mark.weight(2)
def test_sparsity_zero_and_one(check, solution, make_net):
    net = make_net()
    out = {}
    for fn in (solution.layerwise_masks, solution.global_masks):
        for s in (0.0, 1.0, 0, 1):
            masks = fn(net, s)
            assert_well_formed(masks, net)
            out[f"{fn.__name__}/{s!r}"] = [pruned_count(m) for m in masks.values()]
            expected = all(bool(m.all()) for m in masks.values()) if s == 0 else \
                all(not bool(m.any()) for m in masks.values())
            assert expected, (fn.__name__, s)
    check("pruned_counts", out, exact=True)


@pytest.mark.weight(1)
def test_fraction_outside_range_raises(check, rng, solution, make_net):
    net = make_net()
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    bad = [-float(rng.uniform(1e-6, 0.5)), 1.0 + float(rng.uniform(1e-6, 0.5)), float("nan"), float("inf")]
    raised = 0
    for fn in (solution.layerwise_masks, solution.global_masks):
        for s in bad:
            with pytest.raises(ValueError):
                fn(net, s)
            raised += 1
    check("raised", raised, exact=True)
    same = all(torch.equal(before[n], p) for n, p in net.named_parameters())
    check("unchanged", same, exact=True)
    assert same


@pytest.mark.weight(2)
def test_mask_functions_leave_the_model_alone(check, rng, solution, make_net, images):
    net = make_net()
    x = images()
    y0 = net(x)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    lw = solution.layerwise_masks(net, float(rng.uniform(0.3, 0.7)))
    solution.global_masks(net, float(rng.uniform(0.3, 0.7)))
    solution.structured_channel_masks(net.conv1, float(rng.uniform(0.3, 0.7)))
    same = all(torch.equal(before[n], p) for n, p in net.named_parameters())
    assert same and all(p.requires_grad and p.grad is None for p in net.parameters())
    # no hook was left behind: a training step changes pruned-to-be weights as usual
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    net(x).pow(2).mean().backward()
    grads = {n: p.grad.clone() for n, p in net.named_parameters()}
    moved = sum(int((grads[n][~m] != 0).sum()) for n, m in lw.items())
    assert moved > 0
    opt.step()
    check("outputs", y0, rtol=1e-4, atol=1e-6)
    check("grads", grads, rtol=1e-4, atol=1e-6)
    check("unchanged", same, exact=True)
