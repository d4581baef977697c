"""Hidden suite for gradient-descent.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id). Every test records the values that matter with ``check``; the judge
compares them with the reference run's values outside the sandbox.
"""
import numpy as np
import pytest

# float64 throughout: implementations differ only by rounding (~1e-14 relative
# after a few hundred steps of a stable iteration).
TOL = {"rtol": 1e-6, "atol": 1e-10}


# ---- data ----------------------------------------------------------------
def regression_data(rng, n, d, noise=0.1):
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    b_true = float(rng.normal(0.0, 1.0))
    y = X @ w_true + b_true + noise * rng.standard_normal(n)
    return X, y


def classification_data(rng, n, d):
    X = rng.standard_normal((n, d))
    w_true = 2.0 * rng.standard_normal(d)
    b_true = float(rng.normal(0.0, 0.5))
    p = 1.0 / (1.0 + np.exp(-(X @ w_true + b_true)))
    y = (rng.random(n) < p).astype(np.float64)
    return X, y


def any_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


# ---- reading the candidate's results ----------------------------------------
def scalar(value, what):
    # A Python float, a NumPy float scalar (np.float64) and a 0-d float array
    # all count as "a float"; an array of shape (1,) does not.
    assert np.ndim(value) == 0, f"{what} must be a scalar"
    assert np.asarray(value).dtype.kind == "f", f"{what} must be a float"
    return float(value)


def float64_array(value, what):
    arr = np.asarray(value)
    assert arr.dtype == np.float64, f"{what} must be float64"
    return arr


def loss_grad(fn, w, b, X, y):
    loss, dw, db = fn(w.copy(), b, X.copy(), y.copy())
    dw = float64_array(dw, "dw")
    assert dw.shape == w.shape, "dw has the wrong shape"
    return {"loss": scalar(loss, "loss"), "dw": dw, "db": scalar(db, "db")}


def train(solution, X, y, d, epochs, **kwargs):
    """Call train; ``epochs=None`` leaves it out (its default is 10)."""
    if epochs is not None:
        kwargs["epochs"] = epochs
    res = solution.train(X.copy(), y.copy(), **kwargs)
    return read_run(res, d, 10 if epochs is None else epochs)


def read_run(res, d, epochs):
    assert isinstance(res, dict), "train must return a dict"
    for key in ("w", "b", "history", "losses"):
        assert key in res, f"the result has no key {key!r}"
    out = {
        "w": float64_array(res["w"], "w"),
        "b": scalar(res["b"], "b"),
        "history": float64_array(res["history"], "history"),
        "losses": float64_array(res["losses"], "losses"),
    }
    assert out["w"].shape == (d,), "w has the wrong shape"
    assert out["history"].shape == (epochs + 1, d + 1), "history has the wrong shape"
    assert out["losses"].shape == (epochs + 1,), "losses has the wrong shape"
    return out


# ---- losses and gradients ----------------------------------------------------
@pytest.mark.weight(1)
def test_mse_loss_and_gradient(check, rng, solution):
    X, y = regression_data(rng, n=37, d=5)
    w, b = rng.standard_normal(5), float(rng.normal())
    check("mse", loss_grad(solution.mse_loss_grad, w, b, X, y), **TOL)


@pytest.mark.weight(1)
def test_bce_loss_and_gradient(check, rng, solution):
    X, y = classification_data(rng, n=41, d=4)
    w, b = rng.standard_normal(4), float(rng.normal())
    check("bce", loss_grad(solution.bce_loss_grad, w, b, X, y), **TOL)


@pytest.mark.weight(1)
def test_bce_large_margins(check, rng, solution):
    # |z| in the hundreds to thousands, about half the labels on the wrong
    # side: naive log(sigmoid) gives inf or NaN, exp(-z) overflows.
    X = rng.standard_normal((30, 3))
    w, b = 500.0 * rng.standard_normal(3), float(rng.normal(0.0, 50.0))
    y = (rng.random(30) < 0.5).astype(np.float64)
    with np.errstate(all="ignore"):
        got = loss_grad(solution.bce_loss_grad, w, b, X, y)
    check("bce", got, **TOL)
    assert np.isfinite(got["loss"]) and np.all(np.isfinite(got["dw"])) and np.isfinite(got["db"])


@pytest.mark.weight(1)
def test_bce_confident_points(check, rng, solution):
    # Every example on the right side with a margin between 10 and 40: the
    # loss is tiny (about 1e-6 and below). The stable form log(1+e^z) - y z
    # and the plain form -[y log p + (1-y) log(1-p)] differ here by ~1e-15
    # absolute, well inside the absolute floor of TOL; clipping p to
    # [1e-7, 1 - 1e-7] is off by ~1e-8 and fails.
    n, d = 20, 3
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    c, b = float(rng.uniform(2.0, 5.0)), float(rng.normal(0.0, 1.0))
    margins = rng.choice([-1.0, 1.0], size=n) * rng.uniform(10.0, 40.0, size=n)
    noise = rng.standard_normal((n, d))
    noise -= np.outer(noise @ u, u)  # orthogonal to w: does not move z
    X = np.outer((margins - b) / c, u) + noise
    y = (margins > 0).astype(np.float64)
    check("bce", loss_grad(solution.bce_loss_grad, c * u, b, X, y), **TOL)


@pytest.mark.weight(1)
def test_mse_large_offsets(check, rng, solution):
    # Targets and intercept near 3e7, beyond float32's exact integers (2**24):
    # residuals of order 1 survive only in float64.
    X, y = regression_data(rng, n=30, d=4)
    offset = float(rng.uniform(2.5e7, 3.5e7))
    w, b = rng.standard_normal(4), offset + float(rng.uniform(0.5, 1.5))
    check("mse", loss_grad(solution.mse_loss_grad, w, b, X, y + offset), **TOL)


@pytest.mark.weight(1)
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_loss_grad_leaves_arguments_alone(check, rng, solution, loss):
    data = regression_data if loss == "mse" else classification_data
    X, y = data(rng, n=17, d=3)
    w, b = rng.standard_normal(3), float(rng.normal())
    kept = (w.copy(), X.copy(), y.copy())
    fn = solution.mse_loss_grad if loss == "mse" else solution.bce_loss_grad
    value, dw, db = fn(w, b, X, y)
    check(loss, {"loss": scalar(value, "loss"), "dw": float64_array(dw, "dw"),
                 "db": scalar(db, "db")}, **TOL)
    args_kept = all(np.array_equal(a, k) for a, k in zip((w, X, y), kept))
    assert args_kept, "the loss function modified its arguments"


# ---- trajectories --------------------------------------------------------------
@pytest.mark.weight(2)
def test_full_batch_mse_trajectory(check, rng, solution):
    X, y = regression_data(rng, n=40, d=4)
    run = train(solution, X, y, 4, epochs=25, loss="mse", lr=0.1)
    check("run", run, **TOL)
    assert run["losses"][-1] < run["losses"][0]


@pytest.mark.weight(2)
def test_minibatch_mse_trajectory(check, rng, solution):
    # 53 rows in batches of 8: six full batches and a last one of 5.
    X, y = regression_data(rng, n=53, d=3)
    run = train(solution, X, y, 3, epochs=6, loss="mse", lr=0.05, batch_size=8,
                seed=any_seed(rng))
    check("run", run, **TOL)


@pytest.mark.weight(2)
def test_momentum_mse_trajectory(check, rng, solution):
    X, y = regression_data(rng, n=45, d=4)
    run = train(solution, X, y, 4, epochs=8, loss="mse", lr=0.01, batch_size=10,
                momentum=0.9, seed=any_seed(rng))
    check("run", run, **TOL)


@pytest.mark.weight(1)
def test_full_batch_bce_momentum_trajectory(check, rng, solution):
    X, y = classification_data(rng, n=50, d=3)
    w0, b0 = 0.5 * rng.standard_normal(3), float(rng.normal(0.0, 0.5))
    run = train(solution, X, y, 3, epochs=15, loss="bce", lr=0.5, momentum=0.5,
                w0=w0, b0=b0)
    check("run", run, **TOL)


@pytest.mark.weight(2)
def test_minibatch_bce_momentum_trajectory(check, rng, solution):
    X, y = classification_data(rng, n=60, d=5)
    w0, b0 = 0.5 * rng.standard_normal(5), float(rng.normal(0.0, 0.5))
    run = train(solution, X, y, 5, epochs=5, loss="bce", lr=0.2, batch_size=16,
                momentum=0.8, seed=any_seed(rng), w0=w0, b0=b0)
    check("run", run, **TOL)


@pytest.mark.weight(1)
def test_batches_split_evenly(check, rng, solution):
    # 48 rows in batches of 8: exactly six batches, no empty seventh one.
    X, y = classification_data(rng, n=48, d=3)
    run = train(solution, X, y, 3, epochs=4, loss="bce", lr=0.3, batch_size=8,
                momentum=0.5, seed=any_seed(rng))
    check("run", run, **TOL)


@pytest.mark.weight(1)
def test_batch_size_one(check, rng, solution):
    # Pure stochastic gradient descent: one example per update.
    X, y = regression_data(rng, n=15, d=3)
    run = train(solution, X, y, 3, epochs=3, loss="mse", lr=0.02, batch_size=1,
                momentum=0.7, seed=any_seed(rng))
    check("run", run, **TOL)


@pytest.mark.weight(1)
def test_default_arguments(check, rng, solution):
    # train(X, y): loss "mse", lr 0.1, 10 epochs, full batch, no momentum,
    # starting from zeros.
    X, y = regression_data(rng, n=25, d=3)
    check("run", train(solution, X, y, 3, None), **TOL)


@pytest.mark.weight(1)
def test_default_seed_is_zero(check, rng, solution):
    X, y = regression_data(rng, n=29, d=3)
    run = train(solution, X, y, 3, epochs=3, loss="mse", lr=0.05, batch_size=6)
    check("run", run, **TOL)


@pytest.mark.weight(1)
def test_repeated_calls_are_independent(check, rng, solution):
    # The same call gives the same run, whatever ran in between: no generator,
    # velocity or history kept from one call to the next.
    X, y = classification_data(rng, n=30, d=3)
    kwargs = dict(epochs=3, loss="bce", lr=0.2, batch_size=7, momentum=0.9, seed=any_seed(rng))
    first = train(solution, X, y, 3, **kwargs)
    other = train(solution, X, y, 3, **{**kwargs, "seed": kwargs["seed"] + 1})
    again = train(solution, X, y, 3, **kwargs)
    check("run", first, **TOL)
    check("other", other, **TOL)
    same = all(np.array_equal(first[k], again[k]) for k in ("w", "history", "losses"))
    assert same and first["b"] == again["b"], "the same call gave a different run"


@pytest.mark.weight(1)
@pytest.mark.parametrize("name", ["hinge", "mae", "cross_entropy"])
def test_unknown_loss_raises(check, rng, solution, name):
    X, y = regression_data(rng, n=10, d=2)
    # the same data with a valid name trains normally (so that a solution that
    # raises for everything earns nothing here)
    check("run", train(solution, X, y, 2, epochs=2, loss="mse", lr=0.1), **TOL)
    for epochs in (2, 0):
        with pytest.raises(ValueError):
            solution.train(X, y, loss=name, lr=0.1, epochs=epochs)


# ---- what the optimisation reaches ------------------------------------------------
@pytest.mark.weight(2)
def test_converges_to_least_squares(check, rng, solution):
    X, y = regression_data(rng, n=200, d=3, noise=0.5)
    run = train(solution, X, y, 3, epochs=400, loss="mse", lr=0.1)
    check("w", run["w"], **TOL)
    check("b", run["b"], **TOL)
    check("final_loss", run["losses"][-1], **TOL)
    A = np.hstack([X, np.ones((len(X), 1))])
    closed_form = np.linalg.lstsq(A, y, rcond=None)[0]
    gap = float(np.max(np.abs(np.append(run["w"], run["b"]) - closed_form)))
    assert gap < 1e-6, "did not reach the least-squares solution"


@pytest.mark.weight(1)
def test_separable_data_accuracy(check, rng, solution):
    d = 2
    w_true, b_true = rng.standard_normal(d), float(rng.normal(0.0, 0.5))
    w_true /= np.linalg.norm(w_true)
    X = rng.standard_normal((400, d))
    margin = X @ w_true + b_true
    X = X[np.abs(margin) > 0.3][:80]  # a clear gap between the classes
    y = (X @ w_true + b_true > 0).astype(np.float64)
    run = train(solution, X, y, d, epochs=40, loss="bce", lr=0.5, batch_size=16,
                momentum=0.9, seed=any_seed(rng))
    accuracy = float(np.mean(((X @ run["w"] + run["b"]) > 0) == (y == 1.0)))
    check("accuracy", accuracy, exact=True)
    check("w", run["w"], **TOL)
    check("b", run["b"], **TOL)
    assert accuracy == 1.0


# ---- edge cases -------------------------------------------------------------------
@pytest.mark.weight(1)
def test_batch_larger_than_data(check, rng, solution):
    X, y = regression_data(rng, n=12, d=3)
    run = train(solution, X, y, 3, epochs=10, loss="mse", lr=0.1, batch_size=50,
                seed=any_seed(rng))
    check("run", run, **TOL)
    full = train(solution, X, y, 3, epochs=10, loss="mse", lr=0.1)
    assert np.allclose(run["history"], full["history"], rtol=1e-9, atol=1e-12), \
        "one batch holding all the data must match full-batch descent"


@pytest.mark.weight(1)
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_zero_epochs(check, rng, solution, loss):
    data = regression_data if loss == "mse" else classification_data
    X, y = data(rng, n=20, d=4)
    w0, b0 = rng.standard_normal(4), float(rng.normal())
    run = train(solution, X, y, 4, epochs=0, loss=loss, lr=0.1, batch_size=5,
                momentum=0.9, w0=w0, b0=b0)
    check("run", run, **TOL)
    starts_at_start = np.array_equal(run["history"][0], np.append(w0, b0))
    assert starts_at_start, "with zero epochs, history[0] must be [w0, b0]"


@pytest.mark.weight(1)
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_one_sample(check, rng, solution, loss):
    data = regression_data if loss == "mse" else classification_data
    X, y = data(rng, n=1, d=3)
    run = train(solution, X, y, 3, epochs=6, loss=loss, lr=0.05, batch_size=4,
                momentum=0.9, seed=any_seed(rng))
    check("run", run, **TOL)


@pytest.mark.weight(1)
def test_inputs_not_modified(check, rng, solution):
    X, y = regression_data(rng, n=30, d=4)
    w0 = rng.standard_normal(4)
    kept = (X.copy(), y.copy(), w0.copy())
    res = solution.train(X, y, loss="mse", lr=0.05, epochs=3, batch_size=7,
                         momentum=0.5, seed=any_seed(rng), w0=w0, b0=0.5)
    check("w", np.asarray(res["w"], dtype=np.float64), **TOL)
    check("b", scalar(res["b"], "b"), **TOL)
    data_kept = np.array_equal(X, kept[0]) and np.array_equal(y, kept[1])
    w0_kept = np.array_equal(w0, kept[2])
    assert data_kept, "X or y was modified"
    assert w0_kept, "w0 was modified"
