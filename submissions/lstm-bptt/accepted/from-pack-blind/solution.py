"""lstm-bptt: an LSTM over a sequence, forward pass and backpropagation through time, in NumPy."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return np.array(out, dtype=np.float64)


def _check(x, W, b, h0, c0):
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError("x must be 3-D (N, T, D)")
    N, T, D = x.shape
    if W.ndim != 2 or W.shape[0] % 4 != 0:
        raise ValueError("W.shape[0] must be a multiple of 4")
    H = W.shape[0] // 4
    if W.shape != (4 * H, D + H):
        raise ValueError("W must be (4H, D + H)")
    if b.shape != (4 * H,):
        raise ValueError("b must be (4H,)")
    if h0 is None:
        h0 = np.zeros((N, H))
    else:
        h0 = np.asarray(h0, dtype=np.float64)
        if h0.shape != (N, H):
            raise ValueError("h0 must be (N, H)")
    if c0 is None:
        c0 = np.zeros((N, H))
    else:
        c0 = np.asarray(c0, dtype=np.float64)
        if c0.shape != (N, H):
            raise ValueError("c0 must be (N, H)")
    return x, W, b, h0, c0, N, T, D, H


def _forward(x, W, b, h0, c0, N, T, D, H):
    hs = np.empty((N, T, H))
    cs = np.empty((N, T, H))
    gates = np.empty((N, T, 4 * H))   # activated i, f, g, o
    h, c = h0, c0
    for t in range(T):
        z = np.concatenate([x[:, t], h], axis=1)
        a = z @ W.T + b
        i = sigmoid(a[:, 0:H])
        f = sigmoid(a[:, H:2 * H])
        g = np.tanh(a[:, 2 * H:3 * H])
        o = sigmoid(a[:, 3 * H:4 * H])
        c = f * c + i * g
        h = o * np.tanh(c)
        gates[:, t, 0:H] = i
        gates[:, t, H:2 * H] = f
        gates[:, t, 2 * H:3 * H] = g
        gates[:, t, 3 * H:] = o
        hs[:, t] = h
        cs[:, t] = c
    return hs, cs, gates


def lstm_forward(x, W, b, h0=None, c0=None):
    x, W, b, h0, c0, N, T, D, H = _check(x, W, b, h0, c0)
    hs, cs, _ = _forward(x, W, b, h0, c0, N, T, D, H)
    return hs, cs


def lstm_backward(dh, x, W, b, h0=None, c0=None, dc_last=None):
    x, W, b, h0, c0, N, T, D, H = _check(x, W, b, h0, c0)
    dh = np.asarray(dh, dtype=np.float64)
    if dh.shape != (N, T, H):
        raise ValueError("dh must be (N, T, H)")
    if dc_last is None:
        dc_next = np.zeros((N, H))
    else:
        dc_next = np.asarray(dc_last, dtype=np.float64)
        if dc_next.shape != (N, H):
            raise ValueError("dc_last must be (N, H)")
        dc_next = dc_next.copy()
    hs, cs, gates = _forward(x, W, b, h0, c0, N, T, D, H)

    dx = np.zeros((N, T, D))
    dW = np.zeros((4 * H, D + H))
    db = np.zeros(4 * H)
    dh_next = np.zeros((N, H))
    Wx, Wh = W[:, :D], W[:, D:]
    for t in range(T - 1, -1, -1):
        i = gates[:, t, 0:H]
        f = gates[:, t, H:2 * H]
        g = gates[:, t, 2 * H:3 * H]
        o = gates[:, t, 3 * H:]
        c = cs[:, t]
        c_prev = cs[:, t - 1] if t > 0 else c0
        h_prev = hs[:, t - 1] if t > 0 else h0
        dh_t = dh[:, t] + dh_next
        tc = np.tanh(c)
        dc_t = dh_t * o * (1.0 - tc ** 2) + dc_next
        do = dh_t * tc
        di = dc_t * g
        dg = dc_t * i
        df = dc_t * c_prev
        da = np.concatenate([di * i * (1.0 - i), df * f * (1.0 - f),
                             dg * (1.0 - g ** 2), do * o * (1.0 - o)], axis=1)
        z = np.concatenate([x[:, t], h_prev], axis=1)
        dW += da.T @ z
        db += da.sum(axis=0)
        dx[:, t] = da @ Wx
        dh_next = da @ Wh
        dc_next = dc_t * f
    return {"x": dx, "W": dW, "b": db, "h0": dh_next, "c0": dc_next}
