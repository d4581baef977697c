import numpy as np


def sigmoid(z):
    z = np.array(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _dims(x, W, b, h0, c0):
    N, T, D = x.shape
    H, r = divmod(W.shape[0], 4)
    if r or W.shape != (4 * H, D + H) or b.shape != (4 * H,):
        raise ValueError("bad parameter shapes")
    if (h0 is not None and h0.shape != (N, H)) or (c0 is not None and c0.shape != (N, H)):
        raise ValueError("bad initial state")
    return N, T, D, H


def _one_sequence(x, W, b, h, c):
    """Forward for a single example x (T, D); returns per-step values."""
    H = h.shape[0]
    rec = []
    for t in range(x.shape[0]):
        a = W @ np.concatenate([x[t], h]) + b
        i, f, g, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        rec.append((h, c, i, f, g, o, c_new, h_new))
        h, c = h_new, c_new
    return rec


def lstm_forward(x, W, b, h0=None, c0=None):
    N, T, D, H = _dims(x, W, b, h0, c0)
    hs = np.zeros((N, T, H))
    cs = np.zeros((N, T, H))
    for n in range(N):
        h = np.zeros(H) if h0 is None else h0[n]
        c = np.zeros(H) if c0 is None else c0[n]
        for t, step in enumerate(_one_sequence(x[n], W, b, h, c)):
            cs[n, t], hs[n, t] = step[6], step[7]
    return hs, cs


def lstm_backward(dh, x, W, b, h0=None, c0=None, dc_last=None):
    N, T, D, H = _dims(x, W, b, h0, c0)
    if dh.shape != (N, T, H) or (dc_last is not None and dc_last.shape != (N, H)):
        raise ValueError("bad upstream gradient shape")
    grads = {"x": np.zeros(x.shape), "W": np.zeros(W.shape), "b": np.zeros(b.shape),
             "h0": np.zeros((N, H)), "c0": np.zeros((N, H))}
    for n in range(N):
        h = np.zeros(H) if h0 is None else h0[n]
        c = np.zeros(H) if c0 is None else c0[n]
        rec = _one_sequence(x[n], W, b, h, c)
        dh_next = np.zeros(H)
        dc_next = np.zeros(H) if dc_last is None else dc_last[n]
        for t in reversed(range(T)):
            h_prev, c_prev, i, f, g, o, c_t, _ = rec[t]
            dht = dh[n, t] + dh_next
            th = np.tanh(c_t)
            dct = dc_next + dht * o * (1 - c_t ** 2)
            da = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                                 dct * i * (1 - g ** 2), dht * th * o * (1 - o)])
            grads["W"] += np.outer(da, np.concatenate([x[n, t], h_prev]))
            grads["b"] += da
            dz = W.T @ da
            grads["x"][n, t] = dz[:D]
            dh_next = dz[D:]
            dc_next = dct * f
        grads["h0"][n] = dh_next
        grads["c0"][n] = dc_next
    return grads
