"""Written from spec.md alone (not from the reference)."""
import copy

import torch
from torch import nn

EPS = torch.finfo(torch.float32).eps


def _minmax(x, axis):
    if axis is None:
        return x.min(), x.max()
    ax = axis % x.dim()
    moved = x.movedim(ax, 0).reshape(x.shape[ax], -1)
    return moved.min(dim=1).values, moved.max(dim=1).values


def choose_qparams(x, *, symmetric=False, axis=None, qmin=-128, qmax=127):
    x = x.to(torch.float32)
    lo, hi = _minmax(x, axis)
    min_neg = torch.clamp(lo, max=0.0)
    max_pos = torch.clamp(hi, min=0.0)
    if symmetric:
        scale = torch.maximum(-min_neg, max_pos) / ((qmax - qmin) / 2)
        scale = torch.clamp(scale, min=EPS)
        zp = torch.zeros(scale.shape, dtype=torch.int64)
    else:
        scale = torch.clamp((max_pos - min_neg) / (qmax - qmin), min=EPS)
        zp = torch.clamp(qmin - torch.round(min_neg / scale), qmin, qmax).to(torch.int64)
    return scale, zp


def _shape(t, x, axis):
    t = torch.as_tensor(t)
    if axis is None or t.dim() == 0:
        return t
    shape = [1] * x.dim()
    shape[axis % x.dim()] = t.numel()
    return t.reshape(shape)


def quantize(x, scale, zero_point, *, axis=None, qmin=-128, qmax=127):
    x = x.to(torch.float32)
    s = _shape(scale, x, axis).to(torch.float32)
    z = _shape(zero_point, x, axis).to(torch.float32)
    v = torch.round(x / s) + z
    return torch.clamp(v, qmin, qmax).to(torch.int8)


def dequantize(q, scale, zero_point, *, axis=None):
    s = _shape(scale, q, axis).to(torch.float32)
    z = _shape(zero_point, q, axis).to(torch.float32)
    return (q.to(torch.float32) - z) * s


class QuantizedLinear(nn.Module):
    def __init__(self, weight_int8, weight_scale, bias=None):
        super().__init__()
        self.out_features, self.in_features = weight_int8.shape
        self.weight_int8 = weight_int8
        self.weight_scale = weight_scale
        self.bias = None if bias is None else bias.detach().clone().to(torch.float32)

    @classmethod
    def from_float(cls, linear):
        W = linear.weight.detach()
        s, z = choose_qparams(W, symmetric=True, axis=0, qmin=-127, qmax=127)
        q = quantize(W, s, z, axis=0, qmin=-127, qmax=127)
        return cls(q, s, linear.bias)

    def forward(self, x):
        shape = x.shape
        x2 = x.reshape(-1, self.in_features).to(torch.float32)
        sx, zx = choose_qparams(x2)
        qx = quantize(x2, sx, zx)
        acc = (qx.long() - zx) @ self.weight_int8.long().T
        y = acc.to(torch.float32) * (sx * self.weight_scale)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*shape[:-1], self.out_features)


def quantize_model(model):
    if isinstance(model, nn.Linear):
        return QuantizedLinear.from_float(model)
    new = copy.deepcopy(model)
    for name, mod in list(new.named_modules()):
        for child_name, child in list(mod.named_children()):
            if isinstance(child, nn.Linear):
                setattr(mod, child_name, QuantizedLinear.from_float(child))
    return new
