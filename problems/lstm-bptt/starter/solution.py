"""lstm-bptt: an LSTM over a sequence, forward pass and backpropagation through time, in NumPy.

x (N, T, D), W (4H, D + H) acting on [x_t, h_{t-1}], b (4H,), gate order i, f, g, o.
See spec.md for the exact equations, the upstream gradients and the errors.
"""
import numpy as np


def sigmoid(z):
    """Numerically stable logistic function, elementwise; float64 result of z's shape."""
    raise NotImplementedError("sigmoid")


def lstm_forward(x, W, b, h0=None, c0=None):
    """Run the LSTM over the sequence.

    Returns:
        (hs, cs): float64 (N, T, H) hidden and cell states after every step.
    """
    raise NotImplementedError("lstm_forward")


def lstm_backward(dh, x, W, b, h0=None, c0=None, dc_last=None):
    """Backpropagation through time.

    Args:
        dh: (N, T, H) dL/d(every hidden state). dc_last: (N, H) dL/d(final cell state) or None.

    Returns:
        {"x": (N, T, D), "W": (4H, D + H), "b": (4H,), "h0": (N, H), "c0": (N, H)} gradients.
    """
    raise NotImplementedError("lstm_backward")
