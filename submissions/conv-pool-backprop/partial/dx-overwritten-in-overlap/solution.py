import numpy as np


def _out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def _check_conv(x, w, stride, padding):
    if x.shape[1] != w.shape[1]:
        raise ValueError("channel mismatch")
    if stride < 1:
        raise ValueError("bad stride")
    if padding < 0:
        raise ValueError("bad padding")
    if w.shape[2] > x.shape[2] + 2 * padding:
        raise ValueError("kernel too tall")
    if w.shape[3] > x.shape[3] + 2 * padding:
        raise ValueError("kernel too wide")


def conv2d_forward(x, w, b, stride=1, padding=0):
    _check_conv(x, w, stride, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    if b.ndim != 1 or b.shape[0] != F:
        raise ValueError("bias shape")
    Ho = _out_size(H, KH, stride, padding)
    Wo = _out_size(W, KW, stride, padding)
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    xp[:, :, padding:padding + H, padding:padding + W] = x
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    r, c = i * stride, j * stride
                    out[n, f, i, j] = np.sum(xp[n, :, r:r + KH, c:c + KW] * w[f]) + b[f]
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0):
    _check_conv(x, w, stride, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho = _out_size(H, KH, stride, padding)
    Wo = _out_size(W, KW, stride, padding)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError("dout shape")
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    xp[:, :, padding:padding + H, padding:padding + W] = x
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    r, c = i * stride, j * stride
                    g = dout[n, f, i, j]
                    dw[f] += g * xp[n, :, r:r + KH, c:c + KW]
                    dxp[n, :, r:r + KH, c:c + KW] = g * w[f]
                    db[f] += g
    dx = dxp[:, :, padding:padding + H, padding:padding + W]
    return dx.copy(), dw, db


def _check_pool(x, size, stride):
    if size < 1 or stride < 1:
        raise ValueError("bad size/stride")
    if size > x.shape[2] or size > x.shape[3]:
        raise ValueError("window too large")


def maxpool2d_forward(x, size=2, stride=None):
    stride = size if stride is None else stride
    _check_pool(x, size, stride)
    N, C, H, W = x.shape
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for ch in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, ch, i, j] = x[n, ch, i * stride:i * stride + size,
                                         j * stride:j * stride + size].max()
    return out


def maxpool2d_backward(dout, x, size=2, stride=None):
    stride = size if stride is None else stride
    _check_pool(x, size, stride)
    N, C, H, W = x.shape
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    if dout.shape != (N, C, Ho, Wo):
        raise ValueError("dout shape")
    dx = np.zeros(x.shape)
    for n in range(N):
        for ch in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    r0, c0 = i * stride, j * stride
                    best_r, best_c = r0, c0
                    for r in range(r0, r0 + size):
                        for c in range(c0, c0 + size):
                            if x[n, ch, r, c] > x[n, ch, best_r, best_c]:
                                best_r, best_c = r, c
                    dx[n, ch, best_r, best_c] += dout[n, ch, i, j]
    return dx
