"""Reference solution for matrix-factorization-recsys."""
import numpy as np


def predict(model, users, items):
    users = np.asarray(users)
    items = np.asarray(items)
    dot = np.sum(model["P"][users] * model["Q"][items], axis=1)
    return model["mu"] + model["bu"][users] + model["bi"][items] + dot


def rmse(model, users, items, ratings):
    err = predict(model, users, items) - np.asarray(ratings, dtype=np.float64)
    return float(np.sqrt(np.mean(err ** 2)))


def _init(n_users, n_items, k, rng, init_scale):
    P = init_scale * rng.standard_normal((n_users, k))
    Q = init_scale * rng.standard_normal((n_items, k))
    return P, Q


def sgd_fit(users, items, ratings, n_users, n_items, k, rng, epochs=10, lr=0.01,
            reg=0.02, reg_bias=0.0, init_scale=0.1):
    users = np.asarray(users)
    items = np.asarray(items)
    ratings = np.asarray(ratings, dtype=np.float64)
    P, Q = _init(n_users, n_items, k, rng, init_scale)
    model = {"mu": float(np.mean(ratings)), "bu": np.zeros(n_users), "bi": np.zeros(n_items),
             "P": P, "Q": Q}
    bu, bi = model["bu"], model["bi"]
    history = [rmse(model, users, items, ratings)]
    for _ in range(epochs):
        for t in rng.permutation(len(ratings)):
            u, i = users[t], items[t]
            e = ratings[t] - (model["mu"] + bu[u] + bi[i] + P[u] @ Q[i])
            bu[u] += lr * (e - reg_bias * bu[u])
            bi[i] += lr * (e - reg_bias * bi[i])
            pu = P[u]
            P[u] += lr * (e * Q[i] - reg * pu)
            Q[i] += lr * (e * pu - reg * Q[i])
        history.append(rmse(model, users, items, ratings))
    model["rmse"] = np.array(history)
    return model


def _solve_rows(X, rows, cols, target, n_rows, reg):
    k = X.shape[1]
    out = np.zeros((n_rows, k))
    for r in range(n_rows):
        mask = rows == r
        Xr = X[cols[mask]]
        A = Xr.T @ Xr + reg * np.eye(k)
        out[r] = np.linalg.solve(A, Xr.T @ target[mask])
    return out


def als_fit(users, items, ratings, n_users, n_items, k, rng, iters=10, reg=0.1,
            init_scale=0.1):
    users = np.asarray(users)
    items = np.asarray(items)
    ratings = np.asarray(ratings, dtype=np.float64)
    P, Q = _init(n_users, n_items, k, rng, init_scale)
    mu = float(np.mean(ratings))
    model = {"mu": mu, "bu": np.zeros(n_users), "bi": np.zeros(n_items), "P": P, "Q": Q}
    centred = ratings - mu
    history = [rmse(model, users, items, ratings)]
    for _ in range(iters):
        model["P"] = _solve_rows(model["Q"], users, items, centred, n_users, reg)
        model["Q"] = _solve_rows(model["P"], items, users, centred, n_items, reg)
        history.append(rmse(model, users, items, ratings))
    model["rmse"] = np.array(history)
    return model


def popularity(items, n_items):
    counts = np.bincount(np.asarray(items), minlength=n_items)
    return np.argsort(-counts, kind="stable")


def recommend(model, users, items, ratings, user, n):
    users = np.asarray(users)
    items = np.asarray(items)
    n_items = model["Q"].shape[0]
    rated = np.zeros(n_items, dtype=bool)
    rated[items[users == user]] = True
    if not rated.any():
        return popularity(items, n_items)[:n].astype(np.int64)
    candidates = np.flatnonzero(~rated)
    scores = predict(model, np.full(len(candidates), user), candidates)
    order = np.argsort(-scores, kind="stable")
    return candidates[order][:n].astype(np.int64)
