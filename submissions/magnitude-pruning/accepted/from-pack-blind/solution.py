"""Magnitude pruning in plain PyTorch (see spec.md)."""
import math

import torch
from torch import nn

_PRUNABLE = (nn.Linear, nn.Conv2d)

# Attribute under which a pruned parameter keeps its (accumulated) mask.
_MASK_ATTR = "_magnitude_pruning_mask"
# Attribute under which an optimizer remembers that its step hook is installed.
_OPT_ATTR = "_magnitude_pruning_hooked"


# --------------------------------------------------------------------------- helpers

def _check_fraction(s):
    if isinstance(s, torch.Tensor):
        s = s.item()
    if isinstance(s, bool) or not isinstance(s, (int, float)):
        try:
            s = float(s)  # numpy scalars and the like
        except (TypeError, ValueError):
            raise TypeError(f"fraction must be a real number, got {type(s).__name__}") from None
    if not (0.0 <= s <= 1.0):  # False for NaN as well
        raise ValueError(f"fraction must be in [0, 1], got {s!r}")
    return s


def _num_pruned(s, n):
    return math.floor(s * n)


def _prunable_weights(model):
    """[(name, weight)] of Linear/Conv2d weights in named_modules() order (each tensor once)."""
    out, seen = [], set()
    for mod_name, module in model.named_modules():
        if not isinstance(module, _PRUNABLE):
            continue
        weight = getattr(module, "weight", None)
        if not isinstance(weight, torch.Tensor) or id(weight) in seen:
            continue
        seen.add(id(weight))
        out.append((f"{mod_name}.weight" if mod_name else "weight", weight))
    return out


def _keep_mask(scores, k):
    """1-D bool mask over `scores`: the k smallest (lower index first on ties) are False."""
    keep = torch.ones(scores.numel(), dtype=torch.bool, device=scores.device)
    if k > 0:
        order = torch.sort(scores, stable=True).indices
        keep[order[:k]] = False
    return keep


# --------------------------------------------------------------------------- masks

def layerwise_masks(model, sparsity):
    """{weight name: bool mask}: floor(sparsity * numel) smallest |w| of each Linear/Conv2d weight pruned."""
    s = _check_fraction(sparsity)
    masks = {}
    with torch.no_grad():
        for name, w in _prunable_weights(model):
            scores = w.detach().abs().flatten()
            masks[name] = _keep_mask(scores, _num_pruned(s, w.numel())).view(w.shape)
    return masks


def global_masks(model, sparsity):
    """{weight name: bool mask}: floor(sparsity * total) smallest |w| over all Linear/Conv2d weights pruned."""
    s = _check_fraction(sparsity)
    weights = _prunable_weights(model)
    if not weights:
        return {}
    with torch.no_grad():
        scores = torch.cat([w.detach().abs().flatten() for _, w in weights])
        keep = _keep_mask(scores, _num_pruned(s, scores.numel()))
        masks, start = {}, 0
        for name, w in weights:
            n = w.numel()
            masks[name] = keep[start:start + n].clone().view(w.shape)
            start += n
    return masks


def structured_channel_masks(layer, amount):
    """Bool mask of layer.weight's shape: the floor(amount * out) output channels of smallest L1 norm pruned."""
    if not isinstance(layer, _PRUNABLE):
        raise TypeError(f"expected nn.Linear or nn.Conv2d, got {type(layer).__name__}")
    s = _check_fraction(amount)
    w = layer.weight.detach()
    out = w.shape[0]
    with torch.no_grad():
        # L1 norm per output channel; summed in float64 so that exact ties stay exact.
        l1 = w.abs().reshape(out, -1).to(torch.float64).sum(dim=1)
        keep_channel = _keep_mask(l1, _num_pruned(s, out))
    shape = (out,) + (1,) * (w.dim() - 1)
    return keep_channel.view(shape).expand(w.shape).clone()


# --------------------------------------------------------------------------- apply

def _zero_pruned_grad(param):
    mask = getattr(param, _MASK_ATTR)
    if param.grad is not None:
        with torch.no_grad():
            param.grad.masked_fill_(~mask, 0.0)


def _install_param_hooks(param):
    """Mask every gradient reaching `param` (reads the current accumulated mask)."""
    if not param.requires_grad:
        return

    def grad_hook(grad):
        return grad.masked_fill(~getattr(param, _MASK_ATTR), 0.0)

    param.register_hook(grad_hook)
    # Also clean .grad after accumulation (e.g. a .grad set by hand before backward()).
    if hasattr(param, "register_post_accumulate_grad_hook"):
        param.register_post_accumulate_grad_hook(_zero_pruned_grad)


def _optimizer_step_post_hook(optimizer, args, kwargs):
    with torch.no_grad():
        for group in optimizer.param_groups:
            for p in group["params"]:
                mask = getattr(p, _MASK_ATTR, None)
                if mask is not None:
                    p.masked_fill_(~mask, 0.0)


def apply_masks(model, masks, optimizer=None):
    """Zero the pruned weights in place and keep them at zero through backward() and optimizer.step()."""
    params = dict(model.named_parameters())

    # 1. validate everything before changing anything
    checked = []
    for name, mask in masks.items():
        if name not in params:
            raise KeyError(name)
        param = params[name]
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise ValueError(f"mask for {name!r} must be a torch.bool tensor")
        if tuple(mask.shape) != tuple(param.shape):
            raise ValueError(f"mask for {name!r} has shape {tuple(mask.shape)}, "
                             f"expected {tuple(param.shape)}")
        checked.append((param, mask))

    # 2./5./6. own, accumulated copy of each mask; zero pruned weights in place
    with torch.no_grad():
        for param, mask in checked:
            mask = mask.detach().to(device=param.device, copy=True)
            current = getattr(param, _MASK_ATTR, None)
            if current is None:
                setattr(param, _MASK_ATTR, mask)
                _install_param_hooks(param)
            else:
                current.logical_and_(mask)  # in place: hooks see the new mask
            pruned = ~getattr(param, _MASK_ATTR)
            param.masked_fill_(pruned, 0.0)
            # 3. a gradient already present must not carry pruned entries either
            if param.grad is not None:
                param.grad.masked_fill_(pruned, 0.0)

    # 4. re-zero pruned entries after every optimizer step
    if optimizer is not None and not getattr(optimizer, _OPT_ATTR, False):
        optimizer.register_step_post_hook(_optimizer_step_post_hook)
        setattr(optimizer, _OPT_ATTR, True)
