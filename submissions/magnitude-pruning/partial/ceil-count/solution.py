"""Magnitude pruning: layer-wise, global and output-channel masks, and masks kept through training."""
import math

import torch
from torch import nn

PRUNABLE = (nn.Linear, nn.Conv2d)


def _check_fraction(s):
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"the fraction must be in [0, 1], got {s!r}")


def _keep(scores, k):
    """A bool vector, False at the k smallest scores (lower index first on ties)."""
    order = torch.sort(scores, stable=True).indices
    keep = torch.ones(scores.numel(), dtype=torch.bool)
    keep[order[:k]] = False
    return keep


def _prunable_weights(model):
    return {f"{name}.weight" if name else "weight": module.weight
            for name, module in model.named_modules() if isinstance(module, PRUNABLE)}


def layerwise_masks(model, sparsity):
    _check_fraction(sparsity)
    masks = {}
    for name, w in _prunable_weights(model).items():
        scores = w.detach().abs().flatten()
        masks[name] = _keep(scores, math.ceil(sparsity * scores.numel())).view(w.shape)
    return masks


def global_masks(model, sparsity):
    _check_fraction(sparsity)
    weights = _prunable_weights(model)
    scores = torch.cat([w.detach().abs().flatten() for w in weights.values()])
    keep = _keep(scores, round(sparsity * scores.numel()))
    parts = keep.split([w.numel() for w in weights.values()])
    return {name: part.view(w.shape) for (name, w), part in zip(weights.items(), parts)}


def structured_channel_masks(layer, amount):
    if not isinstance(layer, PRUNABLE):
        raise TypeError("layer must be an nn.Linear or an nn.Conv2d")
    _check_fraction(amount)
    w = layer.weight.detach()
    norms = w.abs().flatten(1).sum(dim=1)
    keep = _keep(norms, math.ceil(amount * w.shape[0]))
    return keep.view(-1, *[1] * (w.dim() - 1)).expand(w.shape).clone()


def apply_masks(model, masks, optimizer=None):
    params = dict(model.named_parameters())
    for name, mask in masks.items():
        if name not in params:
            raise KeyError(f"{name!r} is not a parameter of the model")
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool or mask.shape != params[name].shape:
            raise ValueError(f"the mask of {name!r} must be a bool tensor of shape {tuple(params[name].shape)}")
    pairs = [(params[name], mask.clone()) for name, mask in masks.items()]

    def zero_pruned(*_):
        with torch.no_grad():
            for p, mask in pairs:
                p.masked_fill_(~mask, 0.0)

    zero_pruned()
    for p, mask in pairs:
        p.register_hook(lambda grad, mask=mask: grad.masked_fill(~mask, 0.0))
    if optimizer is not None:
        optimizer.register_step_post_hook(zero_pruned)
