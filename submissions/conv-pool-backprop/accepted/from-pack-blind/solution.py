"""conv-pool-backprop: 2-D convolution and max-pooling, forward and backward, in NumPy."""
import numpy as np


def _check_int(v, name, lo):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"{name} must be an int")
    if v < lo:
        raise ValueError(f"{name} must be >= {lo}")
    return int(v)


def _conv_setup(x, w, stride, padding):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("x and w must be 4-D")
    stride = _check_int(stride, "stride", 1)
    padding = _check_int(padding, "padding", 0)
    N, C, H, W = x.shape
    O, Ci, kh, kw = w.shape
    if C != Ci:
        raise ValueError("channel mismatch")
    if kh > H + 2 * padding or kw > W + 2 * padding:
        raise ValueError("kernel does not fit")
    Ho = (H + 2 * padding - kh) // stride + 1
    Wo = (W + 2 * padding - kw) // stride + 1
    return x, w, stride, padding, Ho, Wo


def _pad(x, p):
    if p == 0:
        return x.copy()
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def conv2d_forward(x, w, b, stride=1, padding=0):
    x, w, stride, padding, Ho, Wo = _conv_setup(x, w, stride, padding)
    b = np.asarray(b, dtype=np.float64)
    O, C, kh, kw = w.shape
    if b.shape != (O,):
        raise ValueError("bias shape")
    xp = _pad(x, padding)
    N = x.shape[0]
    out = np.zeros((N, O, Ho, Wo), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    out += b[None, :, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0):
    x, w, stride, padding, Ho, Wo = _conv_setup(x, w, stride, padding)
    dout = np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    if dout.shape != (N, O, Ho, Wo):
        raise ValueError("dout shape")
    xp = _pad(x, padding)
    dxp = np.zeros_like(xp)
    dw = np.zeros((O, C, kh, kw), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            si = slice(i, i + stride * (Ho - 1) + 1, stride)
            sj = slice(j, j + stride * (Wo - 1) + 1, stride)
            patch = xp[:, :, si, sj]
            dw[:, :, i, j] = np.einsum("nchw,nohw->oc", patch, dout)
            dxp[:, :, si, sj] += np.einsum("nohw,oc->nchw", dout, w[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, padding:padding + H, padding:padding + W].copy()
    return dx, dw, db


def _pool_setup(x, size, stride):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError("x must be 4-D")
    size = _check_int(size, "size", 1)
    if stride is None:
        stride = size
    stride = _check_int(stride, "stride", 1)
    N, C, H, W = x.shape
    if size > H or size > W:
        raise ValueError("window does not fit")
    Ho = (H - size) // stride + 1
    Wo = (W - size) // stride + 1
    return x, size, stride, Ho, Wo


def _windows(x, size, stride, Ho, Wo):
    N, C = x.shape[:2]
    win = np.empty((N, C, Ho, Wo, size * size), dtype=np.float64)
    for i in range(size):
        for j in range(size):
            win[..., i * size + j] = x[:, :, i:i + stride * (Ho - 1) + 1:stride,
                                       j:j + stride * (Wo - 1) + 1:stride]
    return win


def maxpool2d_forward(x, size=2, stride=None):
    x, size, stride, Ho, Wo = _pool_setup(x, size, stride)
    return _windows(x, size, stride, Ho, Wo).max(axis=-1)


def maxpool2d_backward(dout, x, size=2, stride=None):
    x, size, stride, Ho, Wo = _pool_setup(x, size, stride)
    dout = np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
    if dout.shape != (N, C, Ho, Wo):
        raise ValueError("dout shape")
    arg = _windows(x, size, stride, Ho, Wo).argmax(axis=-1)
    di, dj = np.divmod(arg, size)
    rows = np.arange(Ho)[None, None, :, None] * stride + di
    cols = np.arange(Wo)[None, None, None, :] * stride + dj
    nn = np.broadcast_to(np.arange(N)[:, None, None, None], arg.shape)
    cc = np.broadcast_to(np.arange(C)[None, :, None, None], arg.shape)
    dx = np.zeros((N, C, H, W), dtype=np.float64)
    np.add.at(dx, (nn, cc, rows, cols), dout)
    return dx
