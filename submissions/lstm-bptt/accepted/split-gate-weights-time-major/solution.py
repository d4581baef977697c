"""LSTM with the weights split per gate and input/recurrent part, time-major internally,
a per-step cache list, and a sigmoid through logaddexp."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def _split(W, D, H):
    Wx, Wh = W[:, :D], W[:, D:]
    return [(Wx[k * H:(k + 1) * H], Wh[k * H:(k + 1) * H]) for k in range(4)]


def _validate(x, W, b, h0, c0):
    if x.ndim != 3:
        raise ValueError("x must be (N, T, D)")
    N, T, D = x.shape
    if W.ndim != 2 or W.shape[0] % 4:
        raise ValueError("W rows must be 4H")
    H = W.shape[0] // 4
    if W.shape[1] != D + H:
        raise ValueError("W columns must be D + H")
    if b.ndim != 1 or b.shape[0] != 4 * H:
        raise ValueError("b must be (4H,)")
    for s in (h0, c0):
        if s is not None and s.shape != (N, H):
            raise ValueError("initial state must be (N, H)")
    return N, T, D, H


def _forward(x, W, b, h0, c0):
    N, T, D, H = _validate(x, W, b, h0, c0)
    blocks = _split(W, D, H)
    bs = [b[k * H:(k + 1) * H] for k in range(4)]
    xt = np.transpose(x, (1, 0, 2))                  # (T, N, D)
    h = np.zeros((N, H)) if h0 is None else np.array(h0, dtype=np.float64)
    c = np.zeros((N, H)) if c0 is None else np.array(c0, dtype=np.float64)
    steps = []
    for t in range(T):
        pre = [xt[t] @ Wx.T + h @ Wh.T + bk for (Wx, Wh), bk in zip(blocks, bs)]
        i, f, o = sigmoid(pre[0]), sigmoid(pre[1]), sigmoid(pre[3])
        g = np.tanh(pre[2])
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        h_new = o * tc
        steps.append({"h_prev": h, "c_prev": c, "i": i, "f": f, "g": g, "o": o, "tc": tc,
                      "h": h_new, "c": c_new})
        h, c = h_new, c_new
    return steps, (N, T, D, H)


def lstm_forward(x, W, b, h0=None, c0=None):
    steps, _ = _forward(x, W, b, h0, c0)
    hs = np.stack([s["h"] for s in steps], axis=1)
    cs = np.stack([s["c"] for s in steps], axis=1)
    return hs, cs


def lstm_backward(dh, x, W, b, h0=None, c0=None, dc_last=None):
    steps, (N, T, D, H) = _forward(x, W, b, h0, c0)
    if dh.shape != (N, T, H):
        raise ValueError("dh must be (N, T, H)")
    if dc_last is not None and dc_last.shape != (N, H):
        raise ValueError("dc_last must be (N, H)")
    blocks = _split(W, D, H)
    dWx = [np.zeros((H, D)) for _ in range(4)]
    dWh = [np.zeros((H, H)) for _ in range(4)]
    dbs = [np.zeros(H) for _ in range(4)]
    dxt = np.zeros((T, N, D))
    dh_carry = np.zeros((N, H))
    dc_carry = np.zeros((N, H)) if dc_last is None else np.array(dc_last, dtype=np.float64)
    xt = np.transpose(x, (1, 0, 2))
    for t in range(T - 1, -1, -1):
        s = steps[t]
        dh_total = dh[:, t, :] + dh_carry
        do = dh_total * s["tc"]
        dc_total = dc_carry + dh_total * s["o"] * (1 - s["tc"] * s["tc"])
        di = dc_total * s["g"]
        dg = dc_total * s["i"]
        df = dc_total * s["c_prev"]
        dpre = [di * s["i"] * (1 - s["i"]), df * s["f"] * (1 - s["f"]),
                dg * (1 - s["g"] * s["g"]), do * s["o"] * (1 - s["o"])]
        dh_carry = np.zeros((N, H))
        for k in range(4):
            Wx, Wh = blocks[k]
            dWx[k] += dpre[k].T @ xt[t]
            dWh[k] += dpre[k].T @ s["h_prev"]
            dbs[k] += dpre[k].sum(axis=0)
            dxt[t] += dpre[k] @ Wx
            dh_carry += dpre[k] @ Wh
        dc_carry = dc_total * s["f"]
    dW = np.concatenate([np.concatenate(dWx, axis=0), np.concatenate(dWh, axis=0)], axis=1)
    return {"x": np.transpose(dxt, (1, 0, 2)).copy(), "W": dW, "b": np.concatenate(dbs),
            "h0": dh_carry, "c0": dc_carry}
