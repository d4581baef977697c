"""Hidden suite for numpy-backprop.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id). Every test records the values that matter with ``check``; the judge
compares them with the reference run's values outside the sandbox.
"""
import numpy as np
import pytest

KEYS = ("W1", "b1", "W2", "b2")
# float64 throughout: implementations differ only by rounding (~1e-15 relative).
TOL = {"rtol": 1e-6, "atol": 1e-10}


# ---- helpers -------------------------------------------------------------
def make_params(rng, D, H, C, w2_scale=1.0):
    return {
        "W1": rng.standard_normal((D, H)) * np.sqrt(2.0 / D),
        "b1": rng.standard_normal(H) * 0.1,
        "W2": rng.standard_normal((H, C)) * np.sqrt(1.0 / H) * w2_scale,
        "b2": rng.standard_normal(C) * 0.1,
    }


def make_problem(rng, N, D, H, C, w2_scale=1.0):
    params = make_params(rng, D, H, C, w2_scale)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    return params, X, y


def copy_params(params):
    return {k: v.copy() for k, v in params.items()}


def run(solution, params, X, y, reg):
    """Call the candidate, check the result's form, return (float loss, grads dict)."""
    loss, grads = solution.loss_and_grads(copy_params(params), X.copy(), y.copy(), reg)
    assert np.ndim(loss) == 0, "loss must be a scalar"
    loss = float(loss)
    assert isinstance(grads, dict), "grads must be a dict"
    out = {}
    for key in KEYS:
        assert key in grads, f"grads has no key {key!r}"
        g = np.asarray(grads[key], dtype=np.float64)
        assert g.shape == params[key].shape, f"grads[{key!r}] has the wrong shape"
        out[key] = g
    return loss, out


def check_grads(check, grads, name="grads"):
    check(name, {k: grads[k] for k in KEYS}, **TOL)


# ---- softmax ---------------------------------------------------------------
@pytest.mark.weight(1)
def test_softmax_probabilities(check, rng, solution):
    scores = rng.standard_normal((9, 6)) * 3.0
    probs = np.asarray(solution.softmax(scores.copy()), dtype=np.float64)
    check("probs", probs, **TOL)
    assert probs.shape == scores.shape
    assert np.allclose(probs.sum(axis=1), 1.0)


@pytest.mark.weight(1)
def test_softmax_large_logits(check, rng, solution):
    scores = rng.standard_normal((8, 7)) * 20.0
    scores[:4] += rng.uniform(700.0, 1200.0, size=(4, 1))   # exp overflows
    scores[4:] -= rng.uniform(800.0, 1200.0, size=(4, 1))   # exp underflows to 0
    with np.errstate(all="ignore"):
        probs = np.asarray(solution.softmax(scores.copy()), dtype=np.float64)
    check("probs", probs, **TOL)
    assert probs.shape == scores.shape
    assert np.all(np.isfinite(probs))


# ---- loss and gradients ------------------------------------------------------
@pytest.mark.weight(1)
def test_loss_without_regularisation(check, rng, solution):
    params, X, y = make_problem(rng, N=16, D=10, H=12, C=4)
    loss, _ = run(solution, params, X, y, 0.0)
    check("loss", loss, **TOL)


@pytest.mark.weight(2)
def test_gradients_without_regularisation(check, rng, solution):
    params, X, y = make_problem(rng, N=20, D=8, H=15, C=5)
    loss, grads = run(solution, params, X, y, 0.0)
    check_grads(check, grads)


@pytest.mark.weight(1)
def test_loss_with_regularisation(check, rng, solution):
    params, X, y = make_problem(rng, N=16, D=10, H=12, C=4)
    reg = float(rng.uniform(0.2, 0.6))
    loss, _ = run(solution, params, X, y, reg)
    check("loss", loss, **TOL)


@pytest.mark.weight(2)
def test_gradients_with_regularisation(check, rng, solution):
    params, X, y = make_problem(rng, N=20, D=8, H=15, C=5)
    reg = float(rng.uniform(0.2, 0.6))
    loss, grads = run(solution, params, X, y, reg)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(1)
@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_finite_difference_check(check, rng, solution, reg):
    # Draw until no hidden pre-activation is near the ReLU kink, so central
    # differences are exact up to O(eps^2) and rounding.
    while True:
        params, X, y = make_problem(rng, N=6, D=4, H=7, C=3)
        if np.min(np.abs(X @ params["W1"] + params["b1"])) > 1e-3:
            break
    loss, grads = run(solution, params, X, y, reg)
    eps = 1e-5
    analytic, numeric = {}, {}
    for key in KEYS:
        flat_size = params[key].size
        picks = rng.choice(flat_size, size=min(4, flat_size), replace=False)
        a_vals, n_vals = [], []
        for flat in picks:
            idx = np.unravel_index(flat, params[key].shape)
            plus, minus = copy_params(params), copy_params(params)
            plus[key][idx] += eps
            minus[key][idx] -= eps
            lp = float(solution.loss_and_grads(plus, X.copy(), y.copy(), reg)[0])
            lm = float(solution.loss_and_grads(minus, X.copy(), y.copy(), reg)[0])
            n_vals.append((lp - lm) / (2 * eps))
            a_vals.append(grads[key][idx])
        analytic[key] = np.array(a_vals)
        numeric[key] = np.array(n_vals)
    check("loss", loss, **TOL)
    check("analytic", analytic, **TOL)
    check("numeric", numeric, rtol=1e-5, atol=1e-7)
    worst = max(float(np.max(np.abs(analytic[k] - numeric[k]))) for k in KEYS)
    assert worst < 1e-6, "analytic gradients disagree with finite differences"


@pytest.mark.weight(1)
def test_batch_size_one(check, rng, solution):
    params, X, y = make_problem(rng, N=1, D=6, H=9, C=4)
    loss, grads = run(solution, params, X, y, 0.1)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(1)
def test_large_batch(check, rng, solution):
    params, X, y = make_problem(rng, N=2048, D=64, H=128, C=10)
    loss, grads = run(solution, params, X, y, 1e-3)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(2)
def test_large_logits(check, rng, solution):
    # Scores around +-1000 with moderate spreads inside a row: a softmax
    # without max-subtraction overflows (inf/inf) or underflows (0/0).
    params, X, y = make_problem(rng, N=24, D=6, H=10, C=5, w2_scale=5.0)
    params["b2"] = params["b2"] + rng.choice([-1.0, 1.0]) * rng.uniform(900.0, 1100.0)
    with np.errstate(all="ignore"):
        loss, grads = run(solution, params, X, y, 0.05)
    check("loss", loss, **TOL)
    check_grads(check, grads)
    assert np.isfinite(loss)
    assert all(np.all(np.isfinite(grads[k])) for k in KEYS)


@pytest.mark.weight(1)
def test_extreme_logit_spread(check, rng, solution):
    # Logits differing by thousands: the true class's probability underflows
    # to 0, so log(softmax) is -inf; log-sum-exp keeps the loss finite.
    params, X, y = make_problem(rng, N=24, D=6, H=10, C=5, w2_scale=800.0)
    scores = np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]
    widest = np.argsort(scores.max(axis=1) - scores.min(axis=1))[-8:]
    y[widest] = scores[widest].argmin(axis=1)  # the true class is the worst-scored one
    with np.errstate(all="ignore"):
        loss, grads = run(solution, params, X, y, 0.0)
    check("loss", loss, **TOL)
    check_grads(check, grads)
    assert np.isfinite(loss)
    assert all(np.all(np.isfinite(grads[k])) for k in KEYS)


@pytest.mark.weight(1)
def test_relu_kink_convention(check, rng, solution):
    # Some rows of X are zero and half the b1 entries are zero, so many
    # pre-activations are exactly 0: ReLU'(0) must be taken as 0.
    params, X, y = make_problem(rng, N=12, D=5, H=8, C=4)
    X[rng.choice(12, size=5, replace=False)] = 0.0
    params["b1"][rng.choice(8, size=4, replace=False)] = 0.0
    loss, grads = run(solution, params, X, y, 0.0)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(1)
def test_zero_output_weights(check, rng, solution):
    # W2 = 0: every row gets the scores b2, and no gradient reaches layer 1.
    params, X, y = make_problem(rng, N=10, D=5, H=6, C=4)
    params["W2"] = np.zeros_like(params["W2"])
    params["b2"] = rng.standard_normal(4)
    loss, grads = run(solution, params, X, y, 0.0)
    check("loss", loss, **TOL)
    check_grads(check, grads)
    assert np.all(grads["W1"] == 0) and np.all(grads["b1"] == 0)


@pytest.mark.weight(1)
def test_inputs_not_modified(check, rng, solution):
    params, X, y = make_problem(rng, N=15, D=7, H=9, C=3)
    kept = (copy_params(params), X.copy(), y.copy())
    loss, grads = solution.loss_and_grads(params, X, y, 0.2)
    check("loss", float(loss), **TOL)
    check_grads(check, {k: np.asarray(grads[k], dtype=np.float64) for k in KEYS})
    params_kept = all(np.array_equal(params[k], kept[0][k]) for k in KEYS)
    data_kept = np.array_equal(X, kept[1]) and np.array_equal(y, kept[2])
    assert params_kept, "params were modified"
    assert data_kept, "X or y was modified"
