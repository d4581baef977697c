"""Reference for lstm-bptt: an LSTM over a sequence, forward and backpropagation through time.

x (N, T, D); W (4H, D + H) acting on [x_t, h_{t-1}]; b (4H,); gate blocks i, f, g, o.
"""
import numpy as np
import torch


def sigmoid(z):
    return torch.sigmoid(torch.as_tensor(np.asarray(z, dtype=np.float64))).numpy()


def _check(x, W, b, h0, c0):
    """Validate the shapes; return H and the initial states (zeros for None)."""
    n, _, d = x.shape                      # not 3-D: ValueError from the unpacking
    hid = W.shape[0] // 4
    if W.shape != (4 * hid, d + hid):
        raise ValueError("W must have shape (4H, D + H)")
    if b.shape != (4 * hid,):
        raise ValueError("b must have shape (4H,)")
    h0 = np.zeros((n, hid)) if h0 is None else h0
    c0 = np.zeros((n, hid)) if c0 is None else c0
    if h0.shape != (n, hid) or c0.shape != (n, hid):
        raise ValueError("h0 and c0 must have shape (N, H)")
    return hid, h0, c0


def _run(x, W, b, h0, c0):
    """Forward pass keeping what the backward pass needs."""
    hid = W.shape[0] // 4
    n, steps, _ = x.shape
    hs = np.empty((n, steps, hid))
    cs = np.empty((n, steps, hid))
    gates = []
    h, c = h0, c0
    for t in range(steps):
        a = np.concatenate([x[:, t], h], axis=1) @ W.T + b
        i = sigmoid(a[:, :hid])
        f = sigmoid(a[:, hid:2 * hid])
        g = np.tanh(a[:, 2 * hid:3 * hid])
        o = sigmoid(a[:, 3 * hid:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs[:, t], cs[:, t] = h, c
        gates.append((i, f, g, o))
    return hs, cs, gates


def lstm_forward(x, W, b, h0=None, c0=None):
    _, h0, c0 = _check(x, W, b, h0, c0)
    hs, cs, _ = _run(x, W, b, h0, c0)
    return hs, cs


def lstm_backward(dh, x, W, b, h0=None, c0=None, dc_last=None):
    hid, h0, c0 = _check(x, W, b, h0, c0)
    n, steps, d = x.shape
    if dh.shape != (n, steps, hid):
        raise ValueError("dh must have shape (N, T, H)")
    if dc_last is not None and dc_last.shape != (n, hid):
        raise ValueError("dc_last must have shape (N, H)")
    hs, cs, gates = _run(x, W, b, h0, c0)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    dx = np.zeros(x.shape)
    dh_next = np.zeros((n, hid))
    dc_next = np.zeros((n, hid)) if dc_last is None else dc_last
    for t in reversed(range(steps)):
        i, f, g, o = gates[t]
        c_prev = cs[:, t - 1] if t > 0 else c0
        h_prev = hs[:, t - 1] if t > 0 else h0
        tc = np.tanh(cs[:, t])
        dh_t = dh[:, t] + dh_next
        dc = dc_next + dh_t * o * (1.0 - tc ** 2)
        da = np.concatenate([
            dc * g * i * (1.0 - i),          # input gate
            dc * c_prev * f * (1.0 - f),     # forget gate
            dc * i * (1.0 - g ** 2),         # candidate
            dh_t * tc * o * (1.0 - o),       # output gate
        ], axis=1)
        z = np.concatenate([x[:, t], h_prev], axis=1)
        dW += da.T @ z
        db += da.sum(axis=0)
        dz = da @ W
        dx[:, t] = dz[:, :d]
        dh_next = dz[:, d:]
        dc_next = dc * f
    return {"x": dx, "W": dW, "b": db, "h0": dh_next, "c0": dc_next}
