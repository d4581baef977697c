import numpy as np


class MF:
    def __init__(self, n_users, n_items, k, rng, init_scale, mu):
        self.mu = mu
        self.bu = np.zeros(n_users)
        self.bi = np.zeros(n_items)
        self.P = init_scale * rng.standard_normal(size=(n_users, k))
        self.Q = init_scale * rng.standard_normal(size=(n_items, k))

    def as_dict(self, history):
        return {"mu": self.mu, "bu": self.bu, "bi": self.bi, "P": self.P, "Q": self.Q,
                "rmse": np.asarray(history, dtype=np.float64)}


def predict(model, users, items):
    P, Q = model["P"], model["Q"]
    return (np.einsum("tk,tk->t", P[users], Q[items]) + model["bi"][items]
            + model["bu"][users] + model["mu"])


def rmse(model, users, items, ratings):
    return np.sqrt(np.mean(np.square(ratings - predict(model, users, items))))


def sgd_fit(users, items, ratings, n_users, n_items, k, rng, epochs=10, lr=0.01,
            reg=0.02, reg_bias=0.0, init_scale=0.1):
    mf = MF(n_users, n_items, k, rng, init_scale, np.mean(ratings))
    hist = [rmse(mf.as_dict([]), users, items, ratings)]
    for _ in range(epochs):
        for t in rng.permutation(ratings.shape[0]):
            u, i = users[t], items[t]
            e = ratings[t] - (mf.mu + mf.bu[u] + mf.bi[i] + mf.P[u].dot(mf.Q[i]))
            mf.bu[u] += lr * e - lr * reg_bias * mf.bu[u]
            mf.bi[i] += lr * e - lr * reg_bias * mf.bi[i]
            mf.P[u], mf.Q[i] = (mf.P[u] * (1 - lr * reg) + lr * e * mf.Q[i],
                                mf.Q[i] * (1 - lr * reg) + lr * e * mf.P[u])
        hist.append(rmse(mf.as_dict([]), users, items, ratings))
    return mf.as_dict(hist)


def _half_step(fixed, rows, cols, r, n_rows, reg):
    k = fixed.shape[1]
    # all Gram matrices at once: G[a] = sum over a's ratings of outer(fixed[c], fixed[c])
    G = np.zeros((n_rows, k, k))
    np.add.at(G, rows, fixed[cols][:, :, None] * fixed[cols][:, None, :])
    rhs = np.zeros((n_rows, k))
    np.add.at(rhs, rows, fixed[cols] * r[:, None])
    G += reg * np.eye(k)
    L = np.linalg.cholesky(G)
    z = np.linalg.solve(L, rhs[:, :, None])
    return np.linalg.solve(np.transpose(L, (0, 2, 1)), z)[:, :, 0]


def als_fit(users, items, ratings, n_users, n_items, k, rng, iters=10, reg=0.1,
            init_scale=0.1):
    mf = MF(n_users, n_items, k, rng, init_scale, float(ratings.mean()))
    r = ratings - mf.mu
    hist = [rmse(mf.as_dict([]), users, items, ratings)]
    for _ in range(iters):
        mf.P = _half_step(mf.Q, users, items, r, n_users, reg)
        mf.Q = _half_step(mf.P, items, users, r, n_items, reg)
        hist.append(rmse(mf.as_dict([]), users, items, ratings))
    return mf.as_dict(hist)


def recommend(model, users, items, ratings, user, n):
    n_items = len(model["bi"])
    mine = items[users == user]
    idx = np.arange(n_items)
    if mine.size == 0:
        counts = np.zeros(n_items, dtype=np.int64)
        np.add.at(counts, items, 1)
        return idx[np.lexsort((idx, -counts))][:n]
    cand = idx
    scores = model["Q"][cand] @ model["P"][user] + model["bi"][cand] + model["bu"][user] + model["mu"]
    scores[mine] = -np.inf
    return cand[np.lexsort((cand, -scores))][:n].astype(np.int64)
