"""Affine int8 quantization: channels moved to the front and flattened; plain attributes."""
import copy

import torch

_EPS = torch.finfo(torch.float32).eps


def _per_channel_view(t, axis, ndim):
    """Reshape a (C,) vector so it broadcasts along ``axis`` of an ``ndim``-d tensor."""
    shape = [1] * ndim
    shape[axis % ndim] = t.numel()
    return t.reshape(shape)


def choose_qparams(x, *, symmetric=False, axis=None, qmin=-128, qmax=127):
    x = x.to(torch.float32)
    if axis is None:
        lo, hi = torch.aminmax(x)
    else:
        rows = torch.movedim(x, axis % x.dim(), 0).reshape(x.shape[axis], -1)
        lo, hi = torch.aminmax(rows, dim=1)
    min_neg = torch.clamp(lo, max=0.0)
    max_pos = torch.clamp(hi, min=0.0)
    if symmetric:
        bound = torch.where(-min_neg > max_pos, -min_neg, max_pos)
        scale = torch.clamp(2 * bound / (qmax - qmin), min=_EPS)       # == bound / ((qmax - qmin) / 2)
        zp = torch.zeros(scale.shape, dtype=torch.int64)
    else:
        scale = torch.clamp((max_pos - min_neg) / (qmax - qmin), min=_EPS)
        zp = (qmin - torch.round(min_neg / scale)).clamp(qmin, qmax).long()
    return scale, zp


def quantize(x, scale, zero_point, *, axis=None, qmin=-128, qmax=127):
    x = x.to(torch.float32)
    scale = scale.to(torch.float32)
    zero_point = zero_point.to(torch.float32)
    if axis is not None and scale.dim() == 1:
        scale = _per_channel_view(scale, axis, x.dim())
        zero_point = _per_channel_view(zero_point, axis, x.dim())
    v = torch.round(torch.div(x, scale))
    v = v + zero_point
    v = torch.clamp(v, min=qmin, max=qmax)
    return v.to(torch.int8)


def dequantize(q, scale, zero_point, *, axis=None):
    qf = q.to(torch.float32)
    scale = scale.to(torch.float32)
    zero_point = zero_point.to(torch.float32)
    if axis is not None and scale.dim() == 1:
        scale = _per_channel_view(scale, axis, q.dim())
        zero_point = _per_channel_view(zero_point, axis, q.dim())
    return torch.sub(qf, zero_point).mul(scale)


class QuantizedLinear(torch.nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight_int8 = torch.zeros(out_features, in_features, dtype=torch.int8)
        self.weight_scale = torch.ones(out_features)
        self.bias = None

    @classmethod
    def from_float(cls, linear):
        layer = cls(linear.in_features, linear.out_features)
        with torch.no_grad():
            w = linear.weight.to(torch.float32)
            s, z = choose_qparams(w, symmetric=True, axis=0, qmin=-127, qmax=127)
            layer.weight_int8 = quantize(w, s, z, axis=0, qmin=-127, qmax=127)
            layer.weight_scale = s
            if linear.bias is not None:
                layer.bias = linear.bias.detach()
        return layer

    @torch.no_grad()
    def forward(self, x):
        batch_shape = x.shape[:-1]
        rows = x.to(torch.float32).reshape(-1, self.in_features)
        s_x, zp_x = choose_qparams(rows)
        q_x = quantize(rows, s_x, zp_x)
        centred = q_x.to(torch.int32) - zp_x.to(torch.int32)
        acc = torch.einsum("mk,nk->mn", centred.to(torch.int64), self.weight_int8.to(torch.int64))
        out = acc.to(torch.float32) * (s_x * self.weight_scale)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*batch_shape, self.out_features)


def quantize_model(model):
    if isinstance(model, torch.nn.Linear):
        return QuantizedLinear.from_float(model)
    new = copy.deepcopy(model)
    targets = [name for name, m in new.named_modules() if isinstance(m, torch.nn.Linear)]
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = new.get_submodule(parent_name) if parent_name else new
        setattr(parent, child, QuantizedLinear.from_float(getattr(parent, child)))
    return new
