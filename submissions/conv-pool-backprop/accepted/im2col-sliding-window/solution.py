"""im2col through numpy.lib.stride_tricks.sliding_window_view and tensordot."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _geometry(x, w, stride, padding):
    n, c, h, wd = x.shape
    f, c2, kh, kw = w.shape
    if c != c2 or stride < 1 or padding < 0:
        raise ValueError("bad convolution arguments")
    if kh > h + 2 * padding or kw > wd + 2 * padding:
        raise ValueError("kernel does not fit")
    return (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1


def _cols(x, kh, kw, stride, padding, ho, wo):
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)], mode="constant")
    win = sliding_window_view(xp, (kh, kw), axis=(2, 3))      # (N, C, H', W', kh, kw)
    return win[:, :, ::stride, ::stride][:, :, :ho, :wo]       # (N, C, ho, wo, kh, kw)


def conv2d_forward(x, w, b, stride=1, padding=0):
    ho, wo = _geometry(x, w, stride, padding)
    if np.shape(b) != (w.shape[0],):
        raise ValueError("bias must be (C_out,)")
    cols = _cols(x, w.shape[2], w.shape[3], stride, padding, ho, wo)
    out = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, ho, wo, F)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2)) + b.reshape(1, -1, 1, 1)


def conv2d_backward(dout, x, w, stride=1, padding=0):
    ho, wo = _geometry(x, w, stride, padding)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    if dout.shape != (n, f, ho, wo):
        raise ValueError("dout has the wrong shape")
    cols = _cols(x, kh, kw, stride, padding, ho, wo)
    dw = np.tensordot(dout, cols, axes=([0, 2, 3], [0, 2, 3]))        # (F, C, kh, kw)
    db = dout.sum(axis=0).sum(axis=-1).sum(axis=-1)
    dcols = np.tensordot(dout, w, axes=([1], [0]))                    # (N, ho, wo, C, kh, kw)
    dxp = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride] += \
                dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, padding:padding + h, padding:padding + wd].copy(), dw, db


def _pool_windows(x, size, stride):
    if stride is None:
        stride = size
    if size < 1 or stride < 1 or size > x.shape[2] or size > x.shape[3]:
        raise ValueError("bad pooling arguments")
    win = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return win, stride


def maxpool2d_forward(x, size=2, stride=None):
    win, _ = _pool_windows(x, size, stride)
    return win.max(axis=(-2, -1)).astype(np.float64)


def maxpool2d_backward(dout, x, size=2, stride=None):
    win, stride = _pool_windows(x, size, stride)
    n, c, ho, wo = win.shape[:4]
    if dout.shape != (n, c, ho, wo):
        raise ValueError("dout has the wrong shape")
    flat = win.reshape(n, c, ho, wo, size * size).argmax(axis=-1)
    di, dj = flat // size, flat % size
    rows = np.arange(ho)[None, None, :, None] * stride + di
    cols = np.arange(wo)[None, None, None, :] * stride + dj
    nn = np.arange(n)[:, None, None, None]
    cc = np.arange(c)[None, :, None, None]
    dx = np.zeros(x.shape)
    np.add.at(dx, (nn, cc, rows, cols), dout)
    return dx
