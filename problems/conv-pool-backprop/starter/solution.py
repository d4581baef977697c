"""conv-pool-backprop: 2-D convolution and max-pooling, forward and backward, in NumPy.

Layout NCHW, weights (C_out, C_in, kh, kw), cross-correlation (kernel not flipped).
See spec.md for the exact conventions (output size, ties in max-pooling, errors).
"""
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Convolution (cross-correlation) of x with w, plus bias.

    Args:
        x: float64 (N, C_in, H, W). w: float64 (C_out, C_in, kh, kw). b: float64 (C_out,).
        stride: int >= 1. padding: int >= 0 (zeros on every side).

    Returns:
        out: float64 (N, C_out, H_out, W_out), H_out = (H + 2*padding - kh) // stride + 1.
    """
    raise NotImplementedError("conv2d_forward")


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of the convolution given dout = dL/dout (N, C_out, H_out, W_out).

    Returns:
        (dx, dw, db): float64 arrays shaped like x, w and (C_out,).
    """
    raise NotImplementedError("conv2d_backward")


def maxpool2d_forward(x, size=2, stride=None):
    """Max-pooling of x (N, C, H, W) with a size x size window; stride None means size.

    Returns:
        out: float64 (N, C, H_out, W_out), H_out = (H - size) // stride + 1.
    """
    raise NotImplementedError("maxpool2d_forward")


def maxpool2d_backward(dout, x, size=2, stride=None):
    """Gradient of max-pooling: each dout element goes to the FIRST maximum
    (row-major) of its window; overlapping windows add up.

    Returns:
        dx: float64 shaped like x.
    """
    raise NotImplementedError("maxpool2d_backward")
