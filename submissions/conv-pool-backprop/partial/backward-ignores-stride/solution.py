"""Reference for conv-pool-backprop: 2-D convolution and max-pooling, forward and backward.

Layout NCHW; weights (C_out, C_in, kh, kw); cross-correlation (the kernel is not
flipped). Convolution loops over the kh * kw kernel offsets and contracts the
channels with einsum; max-pooling loops over the output positions.
"""
import numpy as np


def _conv_geometry(x, w, stride, padding):
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels, w expects {w.shape[1]}")
    if stride < 1 or padding < 0:
        raise ValueError("stride must be >= 1 and padding >= 0")
    _, _, h, wd = x.shape
    _, _, kh, kw = w.shape
    if kh > h + 2 * padding or kw > wd + 2 * padding:
        raise ValueError("the kernel is larger than the padded input")
    return (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1


def _window(i, n_out, stride):
    """Rows (or columns) of the padded input that kernel offset i meets."""
    return slice(i, i + stride * (n_out - 1) + 1, stride)


def conv2d_forward(x, w, b, stride=1, padding=0):
    h_out, w_out = _conv_geometry(x, w, stride, padding)
    c_out, _, kh, kw = w.shape
    if b.shape != (c_out,):
        raise ValueError(f"b must have shape ({c_out},)")
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((x.shape[0], c_out, h_out, w_out))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, _window(i, h_out, stride), _window(j, w_out, stride)]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    out += b[None, :, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0):
    h_out, w_out = _conv_geometry(x, w, stride, padding)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    if dout.shape != (n, c_out, h_out, w_out):
        raise ValueError("dout does not have the shape of the forward output")
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    for i in range(kh):
        for j in range(kw):
            rows, cols = _window(i, h_out, 1), _window(j, w_out, 1)   # windows one step apart
            dw[:, :, i, j] = np.einsum("nohw,nchw->oc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", dout, w[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, p:p + h, p:p + wd].copy()
    return dx, dw, db


def _pool_geometry(x, size, stride):
    if stride is None:
        stride = size
    if size < 1 or stride < 1:
        raise ValueError("size and stride must be >= 1")
    if size > x.shape[2] or size > x.shape[3]:
        raise ValueError("the window is larger than the input")
    return stride, (x.shape[2] - size) // stride + 1, (x.shape[3] - size) // stride + 1


def maxpool2d_forward(x, size=2, stride=None):
    stride, h_out, w_out = _pool_geometry(x, size, stride)
    out = np.empty(x.shape[:2] + (h_out, w_out))
    for r in range(h_out):
        for c in range(w_out):
            win = x[:, :, r * stride:r * stride + size, c * stride:c * stride + size]
            out[:, :, r, c] = win.max(axis=(2, 3))
    return out


def maxpool2d_backward(dout, x, size=2, stride=None):
    stride, h_out, w_out = _pool_geometry(x, size, stride)
    n, ch = x.shape[:2]
    if dout.shape != (n, ch, h_out, w_out):
        raise ValueError("dout does not have the shape of the forward output")
    dx = np.zeros(x.shape)
    nn, cc = np.meshgrid(np.arange(n), np.arange(ch), indexing="ij")
    for r in range(h_out):
        for c in range(w_out):
            win = x[:, :, r * stride:r * stride + size, c * stride:c * stride + size]
            first = win.reshape(n, ch, size * size).argmax(axis=2)   # first maximum, row-major
            di, dj = np.divmod(first, size)
            np.add.at(dx, (nn, cc, r * stride + di, c * stride + dj), dout[:, :, r, c])
    return dx
