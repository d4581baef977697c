"""Accepted variant: channel axis moved to the end for broadcasting, integer
accumulation done as an exact float64 matmul, module replacement by recursion."""
import copy

import torch
from torch import nn

_EPS = torch.finfo(torch.float32).eps


def choose_qparams(x, *, symmetric=False, axis=None, qmin=-128, qmax=127):
    x = x.detach().float()
    if axis is None:
        flat = x.reshape(1, -1)
    else:
        flat = x.movedim(axis, -1).reshape(-1, x.shape[axis]).t()      # (C, rest)
    lo = torch.where(flat.min(dim=1).values < 0, flat.min(dim=1).values, torch.zeros(()))
    hi = torch.where(flat.max(dim=1).values > 0, flat.max(dim=1).values, torch.zeros(()))
    if symmetric:
        span = torch.where(-lo > hi, -lo, hi)
        scale = span / ((qmax - qmin) / 2)
        scale = torch.where(scale < _EPS, torch.full_like(scale, _EPS), scale)
        zp = torch.zeros_like(scale, dtype=torch.long)
    else:
        scale = (hi - lo) / float(qmax - qmin)
        scale = torch.where(scale < _EPS, torch.full_like(scale, _EPS), scale)
        zp = (qmin - torch.round(lo / scale)).clamp(qmin, qmax).long()
    if axis is None:
        return scale[0], zp[0]
    return scale, zp


def _apply(x, fn, scale, zero_point, axis):
    """Evaluate fn(x, scale, zp) with per-channel parameters broadcast along axis."""
    scale = torch.as_tensor(scale, dtype=torch.float32)
    zp = torch.as_tensor(zero_point).float()
    if axis is None or scale.dim() == 0:
        return fn(x, scale, zp)
    out = fn(x.movedim(axis, -1), scale, zp)      # channels last: broadcasts over the last dim
    return out.movedim(-1, axis)


def quantize(x, scale, zero_point, *, axis=None, qmin=-128, qmax=127):
    def f(v, s, z):
        return (torch.round(v.float() / s) + z).clamp(qmin, qmax)
    return _apply(x, f, scale, zero_point, axis).to(torch.int8)


def dequantize(q, scale, zero_point, *, axis=None):
    return _apply(q, lambda v, s, z: (v.float() - z) * s, scale, zero_point, axis)


class QuantizedLinear(nn.Module):
    def __init__(self, weight_int8, weight_scale, bias=None):
        super().__init__()
        self.register_buffer("weight_int8", weight_int8)
        self.register_buffer("weight_scale", weight_scale)
        self.register_buffer("bias", None if bias is None else bias.detach().float().clone())
        self.out_features, self.in_features = weight_int8.shape

    @classmethod
    def from_float(cls, linear):
        s, z = choose_qparams(linear.weight, symmetric=True, axis=0, qmin=-127, qmax=127)
        return cls(quantize(linear.weight, s, z, axis=0, qmin=-127, qmax=127), s, linear.bias)

    @torch.no_grad()
    def forward(self, x):
        rows = x.reshape(-1, self.in_features).float()
        s_x, z_x = choose_qparams(rows)
        q_x = quantize(rows, s_x, z_x)
        # integers up to 255 * 127 * in: exact in float64
        acc = (q_x.double() - float(z_x)) @ self.weight_int8.double().t()
        y = acc.float() * (s_x * self.weight_scale)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features)


def _replace(module):
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            module._modules[name] = QuantizedLinear.from_float(child)
        else:
            _replace(child)


def quantize_model(model):
    if isinstance(model, nn.Linear):
        return QuantizedLinear.from_float(model)
    clone = copy.deepcopy(model)
    _replace(clone)
    return clone
