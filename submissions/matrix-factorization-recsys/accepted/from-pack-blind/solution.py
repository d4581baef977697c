"""matrix-factorization-recsys: biased MF by SGD, MF by ALS, RMSE and top-n."""
import numpy as np


def predict(model, users, items):
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    P = np.asarray(model["P"], dtype=np.float64)
    Q = np.asarray(model["Q"], dtype=np.float64)
    bu = np.asarray(model["bu"], dtype=np.float64)
    bi = np.asarray(model["bi"], dtype=np.float64)
    mu = float(model["mu"])
    dots = np.einsum("tk,tk->t", P[users], Q[items])
    return (mu + bu[users] + bi[items] + dots).astype(np.float64)


def rmse(model, users, items, ratings):
    r = np.asarray(ratings, dtype=np.float64)
    d = predict(model, users, items) - r
    return float(np.sqrt(np.mean(d * d)))


def _model(mu, bu, bi, P, Q):
    return {"mu": float(mu), "bu": bu.copy(), "bi": bi.copy(), "P": P.copy(), "Q": Q.copy()}


def sgd_fit(users, items, ratings, n_users, n_items, k, rng, epochs=10, lr=0.01,
            reg=0.02, reg_bias=0.0, init_scale=0.1):
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    ratings = np.asarray(ratings, dtype=np.float64)
    m = len(ratings)
    mu = float(np.mean(ratings))
    P = init_scale * rng.standard_normal((n_users, k))
    Q = init_scale * rng.standard_normal((n_items, k))
    bu = np.zeros(n_users)
    bi = np.zeros(n_items)
    hist = [rmse(_model(mu, bu, bi, P, Q), users, items, ratings)]
    for _ in range(epochs):
        order = rng.permutation(m)
        for t in order:
            u, i = users[t], items[t]
            pu = P[u].copy()
            qi = Q[i].copy()
            e = ratings[t] - (mu + bu[u] + bi[i] + pu @ qi)
            bu[u] = bu[u] + lr * (e - reg_bias * bu[u])
            bi[i] = bi[i] + lr * (e - reg_bias * bi[i])
            P[u] = pu + lr * (e * qi - reg * pu)
            Q[i] = qi + lr * (e * pu - reg * qi)
        hist.append(rmse(_model(mu, bu, bi, P, Q), users, items, ratings))
    out = _model(mu, bu, bi, P, Q)
    out["rmse"] = np.asarray(hist, dtype=np.float64)
    return out


def als_fit(users, items, ratings, n_users, n_items, k, rng, iters=10, reg=0.1,
            init_scale=0.1):
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    ratings = np.asarray(ratings, dtype=np.float64)
    mu = float(np.mean(ratings))
    r = ratings - mu
    P = init_scale * rng.standard_normal((n_users, k))
    Q = init_scale * rng.standard_normal((n_items, k))
    bu = np.zeros(n_users)
    bi = np.zeros(n_items)
    by_user = [np.flatnonzero(users == u) for u in range(n_users)]
    by_item = [np.flatnonzero(items == i) for i in range(n_items)]
    eye = reg * np.eye(k)
    hist = [rmse(_model(mu, bu, bi, P, Q), users, items, ratings)]
    for _ in range(iters):
        for u in range(n_users):
            idx = by_user[u]
            Qs = Q[items[idx]]
            P[u] = np.linalg.solve(Qs.T @ Qs + eye, Qs.T @ r[idx])
        for i in range(n_items):
            idx = by_item[i]
            Ps = P[users[idx]]
            Q[i] = np.linalg.solve(Ps.T @ Ps + eye, Ps.T @ r[idx])
        hist.append(rmse(_model(mu, bu, bi, P, Q), users, items, ratings))
    out = _model(mu, bu, bi, P, Q)
    out["rmse"] = np.asarray(hist, dtype=np.float64)
    return out


def recommend(model, users, items, ratings, user, n):
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    n_items = np.asarray(model["Q"]).shape[0]
    user = int(user)
    n = int(n)
    rated = items[users == user]
    if rated.size == 0:
        counts = np.bincount(items, minlength=n_items)[:n_items]
        order = np.lexsort((np.arange(n_items), -counts))
        return order[:n].astype(np.int64)
    cand = np.setdiff1d(np.arange(n_items), rated)
    if cand.size == 0:
        return np.zeros(0, dtype=np.int64)
    scores = predict(model, np.full(cand.size, user, dtype=np.int64), cand)
    order = np.lexsort((cand, -scores))
    return cand[order][:n].astype(np.int64)
