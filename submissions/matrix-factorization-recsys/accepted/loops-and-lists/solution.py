import numpy as np


def predict(model, users, items):
    out = np.empty(len(users))
    for t, (u, i) in enumerate(zip(users, items)):
        out[t] = model["mu"] + model["bu"][u] + model["bi"][i] + np.dot(model["P"][u], model["Q"][i])
    return out


def rmse(model, users, items, ratings):
    diff = predict(model, users, items) - ratings
    return float(np.sqrt(np.dot(diff, diff) / len(diff)))


def _new_model(ratings, n_users, n_items, k, rng, init_scale):
    P = rng.standard_normal((n_users, k)) * init_scale
    Q = rng.standard_normal((n_items, k)) * init_scale
    return {"mu": float(sum(ratings) / len(ratings)), "bu": np.zeros(n_users),
            "bi": np.zeros(n_items), "P": P, "Q": Q}


def sgd_fit(users, items, ratings, n_users, n_items, k, rng, epochs=10, lr=0.01,
            reg=0.02, reg_bias=0.0, init_scale=0.1):
    m = _new_model(ratings, n_users, n_items, k, rng, init_scale)
    mu, bu, bi, P, Q = m["mu"], m["bu"], m["bi"], m["P"], m["Q"]
    hist = [rmse(m, users, items, ratings)]
    for _ in range(epochs):
        order = np.arange(len(ratings))
        rng.shuffle(order)
        for t in order:
            u = int(users[t])
            i = int(items[t])
            err = ratings[t] - mu - bu[u] - bi[i] - np.dot(P[u], Q[i])
            new_p = P[u] + lr * (err * Q[i] - reg * P[u])
            new_q = Q[i] + lr * (err * P[u] - reg * Q[i])
            bu[u] += lr * (err - reg_bias * bu[u])
            bi[i] += lr * (err - reg_bias * bi[i])
            P[u] = new_p
            Q[i] = new_q
        hist.append(rmse(m, users, items, ratings))
    m["rmse"] = np.array(hist)
    return m


def als_fit(users, items, ratings, n_users, n_items, k, rng, iters=10, reg=0.1,
            init_scale=0.1):
    m = _new_model(ratings, n_users, n_items, k, rng, init_scale)
    by_user = [[] for _ in range(n_users)]
    by_item = [[] for _ in range(n_items)]
    for u, i, r in zip(users, items, ratings):
        by_user[u].append((i, r - m["mu"]))
        by_item[i].append((u, r - m["mu"]))
    hist = [rmse(m, users, items, ratings)]
    for _ in range(iters):
        for rows, own, other in ((by_user, m["P"], m["Q"]), (by_item, m["Q"], m["P"])):
            for a, pairs in enumerate(rows):
                A = reg * np.eye(k)
                b = np.zeros(k)
                for j, r in pairs:
                    A += np.outer(other[j], other[j])
                    b += r * other[j]
                own[a] = np.linalg.inv(A) @ b
        hist.append(rmse(m, users, items, ratings))
    m["rmse"] = np.array(hist)
    return m


def recommend(model, users, items, ratings, user, n):
    n_items = model["Q"].shape[0]
    seen = set(int(i) for u, i in zip(users, items) if u == user)
    if not seen:
        counts = [0] * n_items
        for i in items:
            counts[int(i)] += 1
        ranked = sorted(range(n_items), key=lambda i: (-counts[i], i))
    else:
        cand = [i for i in range(n_items) if i not in seen]
        scores = predict(model, [user] * len(cand), cand)
        ranked = [i for _, i in sorted(zip(-scores, cand))]
    return np.array(ranked[:n], dtype=np.int64)
