import math

import numpy as np
import torch
import torch.nn as nn


def _validate(fraction):
    if math.isnan(fraction) or fraction < 0 or fraction > 1:
        raise ValueError("fraction must lie in [0, 1]")


def _targets(model):
    out = []
    for name, mod in model.named_modules():
        if isinstance(mod, (nn.Linear, nn.Conv2d)):
            out.append(("weight" if name == "" else name + ".weight", mod.weight))
    return out


def _prune_smallest(values, k):
    """values: 1-d numpy array of scores; returns a numpy bool keep-vector."""
    keep = np.ones(values.shape[0], dtype=bool)
    order = np.argsort(values, kind="stable")
    for i in range(k):
        keep[order[i]] = False
    return keep


def layerwise_masks(model, sparsity):
    _validate(sparsity)
    result = {}
    for name, w in _targets(model):
        scores = np.abs(w.detach().cpu().numpy()).reshape(-1)
        keep = _prune_smallest(scores, int(math.floor(sparsity * scores.size)))
        result[name] = torch.from_numpy(keep.reshape(tuple(w.shape)))
    return result


def global_masks(model, sparsity):
    _validate(sparsity)
    targets = _targets(model)
    all_scores = np.concatenate([np.abs(w.detach().cpu().numpy()).reshape(-1) for _, w in targets])
    keep = _prune_smallest(all_scores, int(math.floor(sparsity * all_scores.size)))
    result, start = {}, 0
    for name, w in targets:
        n = w.numel()
        result[name] = torch.from_numpy(keep[start:start + n].reshape(tuple(w.shape)).copy())
        start += n
    return result


def structured_channel_masks(layer, amount):
    if not isinstance(layer, (nn.Linear, nn.Conv2d)):
        raise TypeError("only Linear and Conv2d layers")
    _validate(amount)
    w = layer.weight.detach().cpu().numpy()
    norms = np.array([np.abs(w[c]).sum() for c in range(w.shape[0])])
    keep_channel = _prune_smallest(norms, int(math.floor(amount * w.shape[0])))
    mask = np.zeros(w.shape, dtype=bool)
    for c in range(w.shape[0]):
        mask[c] = keep_channel[c]
    return torch.from_numpy(mask)


def apply_masks(model, masks, optimizer=None):
    named = dict(model.named_parameters())
    for name in masks:
        if name not in named:
            raise KeyError(name)
        m = masks[name]
        if not torch.is_tensor(m) or m.dtype != torch.bool or tuple(m.shape) != tuple(named[name].shape):
            raise ValueError(f"bad mask for {name}")
    owned = [(named[name], masks[name].detach().clone().to(named[name].dtype)) for name in masks]
    with torch.no_grad():
        for param, m in owned:
            param.mul_(m)
            param.masked_fill_(m == 0, 0.0)   # no -0.0
    for param, m in owned:
        param.register_hook(lambda g, m=m: g * m)
    if optimizer is not None:
        inner_step = optimizer.step

        def step(*args, **kwargs):
            loss = inner_step(*args, **kwargs)
            with torch.no_grad():
                for param, m in owned:
                    param.mul_(m)
            return loss

        optimizer.step = step
