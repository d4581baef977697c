"""Threshold by kthvalue, then settle the ties at the threshold by index."""
import math

import torch
from torch import nn


def _fraction_ok(x):
    if not (x >= 0.0 and x <= 1.0):   # False for NaN too
        raise ValueError("fraction outside [0, 1]")


def _pruned_positions(scores, k):
    """Bool vector True where pruned: every score below the k-th smallest, then the
    lowest-index entries equal to it until k are pruned."""
    pruned = torch.zeros_like(scores, dtype=torch.bool)
    if k == 0:
        return pruned
    thr = torch.kthvalue(scores, k).values
    pruned |= scores < thr
    need = k - int(pruned.sum())
    at_thr = torch.nonzero(scores == thr).flatten()
    pruned[at_thr[:need]] = True
    return pruned


def _layers(model):
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            yield (name + "." if name else "") + "weight", module.weight.detach()


def layerwise_masks(model, sparsity):
    _fraction_ok(sparsity)
    return {name: ~_pruned_positions(w.abs().reshape(-1), int(sparsity * w.numel())).reshape(w.shape)
            for name, w in _layers(model)}


def global_masks(model, sparsity):
    _fraction_ok(sparsity)
    layers = list(_layers(model))
    flat = torch.cat([w.abs().reshape(-1) for _, w in layers])
    pruned = _pruned_positions(flat, int(sparsity * flat.numel()))
    masks, offset = {}, 0
    for name, w in layers:
        masks[name] = ~pruned[offset:offset + w.numel()].reshape(w.shape)
        offset += w.numel()
    return masks


def structured_channel_masks(layer, amount):
    if not isinstance(layer, (nn.Conv2d, nn.Linear)):
        raise TypeError(type(layer).__name__)
    _fraction_ok(amount)
    w = layer.weight.detach()
    dims = tuple(range(1, w.dim()))
    l1 = w.abs().sum(dim=dims)
    pruned = _pruned_positions(l1, int(amount * w.shape[0]))
    mask = torch.ones_like(w, dtype=torch.bool)
    mask[pruned] = False
    return mask


def apply_masks(model, masks, optimizer=None):
    params = dict(model.named_parameters())
    checked = []
    for name, mask in masks.items():
        if name not in params:
            raise KeyError(name)
        p = params[name]
        if not (torch.is_tensor(mask) and mask.dtype == torch.bool and mask.shape == p.shape):
            raise ValueError(name)
        checked.append((p, mask.clone()))
    for p, mask in checked:
        p.data = torch.where(mask, p.data, torch.zeros_like(p.data))
        p.register_hook(lambda g, mask=mask: torch.where(mask, g, torch.zeros_like(g)))
    if optimizer is not None:
        def after_step(opt, args, kwargs):
            with torch.no_grad():
                for p, mask in checked:
                    p[~mask] = 0.0
        optimizer.register_step_post_hook(after_step)
