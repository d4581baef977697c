"""Affine int8 quantization and a quantized linear layer. See spec.md."""
import torch
from torch import nn


def choose_qparams(x, *, symmetric=False, axis=None, qmin=-128, qmax=127):
    """Return (scale float32, zero_point int64): 0-d, or shape (x.shape[axis],) per channel."""
    raise NotImplementedError


def quantize(x, scale, zero_point, *, axis=None, qmin=-128, qmax=127):
    """Return the int8 tensor clamp(round(x / scale) + zero_point, qmin, qmax) (half to even)."""
    raise NotImplementedError


def dequantize(q, scale, zero_point, *, axis=None):
    """Return the float32 tensor (q - zero_point) * scale."""
    raise NotImplementedError


class QuantizedLinear(nn.Module):
    """nn.Linear with int8 per-output-channel symmetric weights and dynamically quantized inputs.

    Attributes: weight_int8 (int8, (out, in)), weight_scale (float32, (out,)),
    bias (float32 (out,) or None), in_features, out_features.
    """

    def __init__(self, weight_int8, weight_scale, bias=None):
        super().__init__()
        raise NotImplementedError

    @classmethod
    def from_float(cls, linear):
        """Build from an nn.Linear (weights: symmetric, axis 0, qmin=-127, qmax=127)."""
        raise NotImplementedError

    def forward(self, x):
        """x: float32 (..., in) -> float32 (..., out), integer accumulation."""
        raise NotImplementedError


def quantize_model(model):
    """A deep copy of model with every nn.Linear replaced by QuantizedLinear.from_float."""
    raise NotImplementedError
