"""Hidden suite for matrix-factorization-recsys.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id); the generator handed to a fit is a fresh ``default_rng`` seeded from
``rng``. Every test records the values that matter with ``check``.
"""
import numpy as np
import pytest

# float64 throughout: correct implementations differ only by rounding.
TOL = {"rtol": 1e-6, "atol": 1e-9}
MODEL_KEYS = ("mu", "bu", "bi", "P", "Q")


# ---- data ----------------------------------------------------------------------
def any_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


def ratings_data(rng, n_users, n_items, density=0.4, cold_users=1, cold_items=1, k_true=2):
    """Observed ratings (users, items, ratings), in random order, with some
    users and items (random indices) that have no rating at all."""
    cold_u = rng.permutation(n_users)[:cold_users]
    cold_i = rng.permutation(n_items)[:cold_items]
    warm_u = np.setdiff1d(np.arange(n_users), cold_u)
    warm_i = np.setdiff1d(np.arange(n_items), cold_i)
    mask = rng.random((len(warm_u), len(warm_i))) < density
    mask[np.arange(len(warm_u)), rng.integers(0, len(warm_i), len(warm_u))] = True
    mask[rng.integers(0, len(warm_u), len(warm_i)), np.arange(len(warm_i))] = True
    uu, ii = np.nonzero(mask)
    users, items = warm_u[uu], warm_i[ii]
    A = rng.standard_normal((n_users, k_true))
    B = rng.standard_normal((n_items, k_true))
    raw = 3.0 + np.sum(A[users] * B[items], axis=1) + 0.5 * rng.standard_normal(len(users))
    ratings = np.clip(np.round(raw), 1.0, 5.0)
    order = rng.permutation(len(users))
    return (users[order].astype(np.int64), items[order].astype(np.int64),
            ratings[order].astype(np.float64), cold_u, cold_i)


def random_model(rng, n_users, n_items, k):
    return {"mu": float(rng.uniform(2.5, 3.5)), "bu": 0.3 * rng.standard_normal(n_users),
            "bi": 0.3 * rng.standard_normal(n_items), "P": rng.standard_normal((n_users, k)),
            "Q": rng.standard_normal((n_items, k))}


def copy_model(model):
    return {key: (np.copy(v) if isinstance(v, np.ndarray) else v) for key, v in model.items()}


# ---- reading the candidate's results ----------------------------------------------
def scalar(value, what):
    assert np.ndim(value) == 0, f"{what} must be a scalar"
    assert np.asarray(value).dtype.kind == "f", f"{what} must be a float"
    return float(value)


def float64_array(value, what, shape):
    arr = np.asarray(value)
    assert arr.dtype == np.float64, f"{what} must be float64"
    assert arr.shape == shape, f"{what} has the wrong shape"
    return arr


def read_fit(res, n_users, n_items, k, steps):
    assert isinstance(res, dict), "a fit must return a dict"
    for key in MODEL_KEYS + ("rmse",):
        assert key in res, f"the result has no key {key!r}"
    return {
        "mu": scalar(res["mu"], "mu"),
        "bu": float64_array(res["bu"], "bu", (n_users,)),
        "bi": float64_array(res["bi"], "bi", (n_items,)),
        "P": float64_array(res["P"], "P", (n_users, k)),
        "Q": float64_array(res["Q"], "Q", (n_items, k)),
        "rmse": float64_array(res["rmse"], "rmse", (steps + 1,)),
    }


def sgd(solution, data, n_users, n_items, k, seed, epochs=None, **kwargs):
    users, items, ratings = data[:3]
    if epochs is not None:
        kwargs["epochs"] = epochs
    res = solution.sgd_fit(users.copy(), items.copy(), ratings.copy(), n_users, n_items, k,
                           np.random.default_rng(seed), **kwargs)
    return read_fit(res, n_users, n_items, k, 10 if epochs is None else epochs)


def als(solution, data, n_users, n_items, k, seed, iters=None, **kwargs):
    users, items, ratings = data[:3]
    if iters is not None:
        kwargs["iters"] = iters
    res = solution.als_fit(users.copy(), items.copy(), ratings.copy(), n_users, n_items, k,
                           np.random.default_rng(seed), **kwargs)
    return read_fit(res, n_users, n_items, k, 10 if iters is None else iters)


def top_n(solution, model, data, user, n):
    users, items, ratings = data[:3]
    out = solution.recommend(copy_model(model), users.copy(), items.copy(), ratings.copy(),
                             int(user), int(n))
    arr = np.asarray(out)
    assert arr.ndim == 1, "recommend must return a 1-D array"
    assert arr.size == 0 or arr.dtype.kind in "iu", "recommend must return item indices"
    return arr.astype(np.int64)


def init_factors(seed, n_users, n_items, k, scale):
    g = np.random.default_rng(seed)
    P = scale * g.standard_normal((n_users, k))
    return P, scale * g.standard_normal((n_items, k))


# ---- predict and rmse --------------------------------------------------------------
@pytest.mark.weight(1)
def test_predict_and_rmse(check, rng, solution):
    model = random_model(rng, 9, 12, 3)
    users, items = rng.integers(0, 9, 40), rng.integers(0, 12, 40)
    ratings = rng.integers(1, 6, 40).astype(np.float64)
    pred = float64_array(solution.predict(copy_model(model), users.copy(), items.copy()),
                         "predict", (40,))
    err = scalar(solution.rmse(copy_model(model), users.copy(), items.copy(), ratings.copy()),
                 "rmse")
    check("predict", pred, **TOL)
    check("rmse", err, **TOL)


# ---- SGD -------------------------------------------------------------------------
@pytest.mark.weight(2)
def test_sgd_one_epoch(check, rng, solution):
    data = ratings_data(rng, 8, 10, density=0.5)
    fit = sgd(solution, data, 8, 10, 3, any_seed(rng), epochs=1, lr=0.1, reg=0.05,
              reg_bias=0.2, init_scale=0.5)
    check("fit", fit, **TOL)


@pytest.mark.weight(2)
def test_sgd_several_epochs(check, rng, solution):
    data = ratings_data(rng, 15, 20, density=0.3, cold_users=2, cold_items=2)
    fit = sgd(solution, data, 15, 20, 4, any_seed(rng), epochs=6, lr=0.05, reg=0.03,
              reg_bias=0.1, init_scale=0.3)
    check("fit", fit, **TOL)
    assert fit["rmse"][-1] < fit["rmse"][0]


@pytest.mark.weight(2)
def test_sgd_biases_not_regularised(check, rng, solution):
    # strong factor regularisation, reg_bias left at its default 0.0
    data = ratings_data(rng, 10, 12, density=0.5)
    fit = sgd(solution, data, 10, 12, 2, any_seed(rng), epochs=4, lr=0.08, reg=0.5,
              init_scale=0.4)
    check("fit", fit, **TOL)


@pytest.mark.weight(1)
def test_sgd_strong_bias_regularisation_only(check, rng, solution):
    data = ratings_data(rng, 10, 12, density=0.5)
    fit = sgd(solution, data, 10, 12, 2, any_seed(rng), epochs=3, lr=0.1, reg=0.0,
              reg_bias=0.8, init_scale=0.5)
    check("fit", fit, **TOL)


@pytest.mark.weight(1)
def test_sgd_default_arguments(check, rng, solution):
    data = ratings_data(rng, 12, 14, density=0.4)
    fit = sgd(solution, data, 12, 14, 3, any_seed(rng))
    check("fit", fit, **TOL)


@pytest.mark.weight(1)
def test_sgd_generator_state_after_fit(check, rng, solution):
    data = ratings_data(rng, 7, 9, density=0.5)
    g = np.random.default_rng(any_seed(rng))
    res = solution.sgd_fit(data[0].copy(), data[1].copy(), data[2].copy(), 7, 9, 2, g, epochs=3)
    check("next_draws", g.random(4), **TOL)
    check("fit", read_fit(res, 7, 9, 2, 3), **TOL)


@pytest.mark.weight(1)
def test_sgd_zero_epochs(check, rng, solution):
    data = ratings_data(rng, 6, 8, density=0.5)
    seed = any_seed(rng)
    fit = sgd(solution, data, 6, 8, 3, seed, epochs=0, init_scale=0.7)
    P, Q = init_factors(seed, 6, 8, 3, 0.7)
    check("fit", fit, **TOL)
    unchanged = np.allclose(fit["P"], P) and np.allclose(fit["Q"], Q) and not fit["bu"].any()
    assert unchanged, "zero epochs must return the initial model"


@pytest.mark.weight(1)
def test_sgd_users_and_items_without_ratings(check, rng, solution):
    data = ratings_data(rng, 12, 15, density=0.4, cold_users=3, cold_items=3)
    cold_u, cold_i = data[3], data[4]
    seed = any_seed(rng)
    fit = sgd(solution, data, 12, 15, 3, seed, epochs=4, lr=0.05, reg=0.2, reg_bias=0.3)
    P, Q = init_factors(seed, 12, 15, 3, 0.1)
    cold = {"P": fit["P"][cold_u], "Q": fit["Q"][cold_i], "bu": fit["bu"][cold_u],
            "bi": fit["bi"][cold_i]}
    check("cold", cold, **TOL)
    check("fit", fit, **TOL)
    kept = np.array_equal(cold["P"], P[cold_u]) and np.array_equal(cold["Q"], Q[cold_i])
    assert kept and not cold["bu"].any() and not cold["bi"].any()


# ---- ALS ---------------------------------------------------------------------------
@pytest.mark.weight(2)
def test_als_one_iteration(check, rng, solution):
    data = ratings_data(rng, 9, 11, density=0.5)
    fit = als(solution, data, 9, 11, 3, any_seed(rng), iters=1, reg=0.3, init_scale=0.5)
    check("fit", fit, **TOL)


@pytest.mark.weight(2)
def test_als_several_iterations_uneven_counts(check, rng, solution):
    # one user rated every warm item, the others few: a regulariser scaled by
    # the count would move the heavy user's row far more than the light ones'
    data = ratings_data(rng, 14, 16, density=0.15, cold_users=1, cold_items=1)
    users, items, ratings, cold_u, cold_i = data
    heavy = int(np.setdiff1d(np.arange(14), cold_u)[0])
    extra = np.setdiff1d(np.setdiff1d(np.arange(16), cold_i), items[users == heavy])
    users = np.concatenate([users, np.full(len(extra), heavy)])
    items = np.concatenate([items, extra])
    ratings = np.concatenate([ratings, rng.integers(1, 6, len(extra)).astype(np.float64)])
    fit = als(solution, (users, items, ratings), 14, 16, 3, any_seed(rng), iters=4, reg=1.5)
    check("fit", fit, **TOL)


@pytest.mark.weight(2)
def test_als_normal_equations(check, rng, solution):
    data = ratings_data(rng, 10, 12, density=0.5, cold_users=0, cold_items=1)
    users, items, ratings = data[:3]
    reg = 0.7
    fit = als(solution, data, 10, 12, 2, any_seed(rng), iters=3, reg=reg)
    P, Q, mu = fit["P"], fit["Q"], fit["mu"]
    # the last half-step solved the item rows from the final P exactly
    resid = []
    for i in range(12):
        U = users[items == i]
        r = ratings[items == i] - mu
        resid.append((P[U].T @ P[U] + reg * np.eye(2)) @ Q[i] - P[U].T @ r)
    resid = np.array(resid)
    check("fit", fit, **TOL)
    check("zero_biases", {"bu": fit["bu"], "bi": fit["bi"]}, **TOL)
    assert np.max(np.abs(resid)) < 1e-8, "item factors do not solve their normal equations"
    assert not fit["bu"].any() and not fit["bi"].any()


@pytest.mark.weight(1)
def test_als_users_and_items_without_ratings(check, rng, solution):
    data = ratings_data(rng, 12, 14, density=0.4, cold_users=2, cold_items=3)
    g = np.random.default_rng(any_seed(rng))
    res = solution.als_fit(data[0].copy(), data[1].copy(), data[2].copy(), 12, 14, 2, g,
                           iters=2, reg=0.2)
    fit = read_fit(res, 12, 14, 2, 2)
    cold = {"P": fit["P"][data[3]], "Q": fit["Q"][data[4]]}
    check("cold", cold, **TOL)
    check("fit", fit, **TOL)
    check("next_draws", g.random(3), **TOL)
    assert not cold["P"].any() and not cold["Q"].any()


@pytest.mark.weight(1)
def test_als_zero_iterations_and_defaults(check, rng, solution):
    data = ratings_data(rng, 8, 9, density=0.5)
    seed = any_seed(rng)
    zero = als(solution, data, 8, 9, 2, seed, iters=0, init_scale=0.4)
    P, Q = init_factors(seed, 8, 9, 2, 0.4)
    check("zero", zero, **TOL)
    check("defaults", als(solution, data, 8, 9, 2, seed), **TOL)
    assert np.allclose(zero["P"], P) and np.allclose(zero["Q"], Q)


# ---- recommend ---------------------------------------------------------------------
@pytest.mark.weight(2)
def test_recommend_excludes_rated_items(check, rng, solution):
    data = ratings_data(rng, 10, 25, density=0.4, cold_users=0, cold_items=2)
    users, items = data[0], data[1]
    model = random_model(rng, 10, 25, 3)
    lists = {}
    for u in range(10):
        rec = top_n(solution, model, data, u, 6)
        lists[str(u)] = rec
        assert not np.isin(rec, items[users == u]).any(), "recommended an item the user rated"
    check("lists", lists, exact=True)


@pytest.mark.weight(2)
def test_recommend_ties_lower_index_first(check, rng, solution):
    # small integers everywhere: every correct summation order gives exact ties
    n_users, n_items = 6, 40
    data = ratings_data(rng, n_users, n_items, density=0.2, cold_users=0, cold_items=0)
    model = {"mu": 3.0, "bu": rng.integers(-1, 2, n_users).astype(np.float64),
             "bi": rng.integers(0, 3, n_items).astype(np.float64),
             "P": rng.integers(0, 2, (n_users, 2)).astype(np.float64),
             "Q": rng.integers(0, 2, (n_items, 2)).astype(np.float64)}
    lists = {str(u): top_n(solution, model, data, u, 12) for u in range(n_users)}
    check("lists", lists, exact=True)


@pytest.mark.weight(1)
def test_recommend_fewer_candidates_than_n(check, rng, solution):
    n_items = 15
    data = list(ratings_data(rng, 5, n_items, density=0.3, cold_users=0, cold_items=0))
    keep = rng.choice(n_items, 3, replace=False)
    # user 0 rated all but three items, user 1 rated every item
    users, items, ratings = data[0], data[1], data[2]
    sel = (users != 0) & (users != 1)
    users, items, ratings = users[sel], items[sel], ratings[sel]
    rated0 = np.setdiff1d(np.arange(n_items), keep)
    users = np.concatenate([users, np.zeros(len(rated0), np.int64), np.ones(n_items, np.int64)])
    items = np.concatenate([items, rated0, np.arange(n_items)])
    ratings = np.concatenate([ratings, np.full(len(rated0) + n_items, 4.0)])
    model = random_model(rng, 5, n_items, 2)
    d = (users, items, ratings)
    few = top_n(solution, model, d, 0, 8)
    none = top_n(solution, model, d, 1, 4)
    check("few", few, exact=True)
    check("none", np.asarray(none.size), exact=True)
    assert sorted(few.tolist()) == sorted(keep.tolist()) and none.size == 0


@pytest.mark.weight(2)
def test_recommend_cold_user_popularity(check, rng, solution):
    # counts with ties; the most rated items have low ratings, so ranking by
    # mean rating (or by the model's scores) gives another list
    n_items = 12
    counts = rng.integers(0, 5, n_items)
    counts[rng.choice(n_items, 2, replace=False)] = counts.max()
    items = np.repeat(np.arange(n_items), counts)
    users = np.concatenate([rng.choice(np.arange(1, 9), c, replace=False) for c in counts])
    ratings = np.clip(6.0 - np.repeat(counts, counts) + rng.integers(-1, 2, len(items)), 1, 5)
    model = random_model(rng, 9, n_items, 2)
    model["P"][0] = rng.standard_normal(2)
    d = (users.astype(np.int64), items.astype(np.int64), ratings.astype(np.float64))
    short = top_n(solution, model, d, 0, 5)
    full = top_n(solution, model, d, 0, n_items + 4)
    check("short", short, exact=True)
    check("full", full, exact=True)
    assert len(full) == n_items


@pytest.mark.weight(1)
def test_recommend_items_nobody_rated(check, rng, solution):
    n_users, n_items = 7, 14
    data = ratings_data(rng, n_users, n_items, density=0.4, cold_users=0, cold_items=3)
    cold_i = data[4]
    model = random_model(rng, n_users, n_items, 2)
    model["bi"][cold_i[0]] = 50.0   # an item nobody rated with the best score
    lists = {str(u): top_n(solution, model, data, u, 4) for u in range(n_users)}
    check("lists", lists, exact=True)
    assert all(lst[0] == cold_i[0] for lst in lists.values())


@pytest.mark.weight(1)
def test_recommend_from_a_fitted_model(check, rng, solution):
    data = ratings_data(rng, 10, 18, density=0.3, cold_users=2, cold_items=2)
    fit = sgd(solution, data, 10, 18, 3, any_seed(rng), epochs=3, lr=0.05)
    model = {key: fit[key] for key in MODEL_KEYS}
    lists = {str(u): top_n(solution, model, data, u, 5) for u in range(10)}
    check("lists", lists, exact=True)


@pytest.mark.weight(1)
def test_inputs_not_modified(check, rng, solution):
    data = ratings_data(rng, 8, 10, density=0.5, cold_users=1, cold_items=1)
    users, items, ratings = (a.copy() for a in data[:3])
    kept = (users.copy(), items.copy(), ratings.copy())
    model = random_model(rng, 8, 10, 2)
    model_kept = copy_model(model)
    seed = any_seed(rng)
    out = {
        "predict": solution.predict(model, users, items),
        "rmse": scalar(solution.rmse(model, users, items, ratings), "rmse"),
        "rec": np.asarray(solution.recommend(model, users, items, ratings, int(users[0]), 4)),
        "cold": np.asarray(solution.recommend(model, users, items, ratings, int(data[3][0]), 4)),
    }
    s = solution.sgd_fit(users, items, ratings, 8, 10, 2, np.random.default_rng(seed), epochs=2)
    a = solution.als_fit(users, items, ratings, 8, 10, 2, np.random.default_rng(seed), iters=2)
    out["sgd_Q"], out["als_Q"] = np.asarray(s["Q"]), np.asarray(a["Q"])
    check("out", out, **TOL)
    same_data = all(np.array_equal(x, y) for x, y in zip((users, items, ratings), kept))
    same_model = all(np.array_equal(model[key], model_kept[key]) for key in MODEL_KEYS)
    assert same_data, "users, items or ratings were modified"
    assert same_model, "the model was modified"
