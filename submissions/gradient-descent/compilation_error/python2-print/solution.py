import numpy as np


def mse_loss_grad(w, b, X, y):
    n = len(y)
    r = X.dot(w) + b - y
    return np.mean(r ** 2), 2 * X.T.dot(r) / n, 2 * np.mean(r)


def bce_loss_grad(w, b, X, y):
    n = len(y)
    z = X.dot(w) + b
    p = 1 / (1 + np.exp(-z))
    return np.mean(np.logaddexp(0, z) - y * z), X.T.dot(p - y) / n, np.mean(p - y)


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    f = mse_loss_grad if loss == "mse" else bce_loss_grad
    n, d = X.shape
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    vw, vb = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    hist, losses = [np.append(w, b)], [f(w, b, X, y)[0]]
    for epoch in range(epochs):
        order = np.arange(n) if batch_size is None else rng.permutation(n)
        step = n if batch_size is None else batch_size
        for s in xrange(0, n, step):
            idx = order[s:s + step]
            _, dw, db = f(w, b, X[idx], y[idx])
            vw, vb = momentum * vw + dw, momentum * vb + db
            w, b = w - lr * vw, b - lr * vb
        hist.append(np.append(w, b))
        losses.append(f(w, b, X, y)[0])
        print "epoch %d: loss %.4f" % (epoch, losses[-1])
    return {"w": w, "b": b, "history": np.array(hist), "losses": np.array(losses)}
