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


def run(solution, params, X, y, reg=None):
    """Call the candidate, check the result's form, return (float loss, grads dict).

    ``reg=None`` leaves ``reg`` out of the call (its default must be 0).
    """
    args = (copy_params(params), X.copy(), y.copy()) + (() if reg is None else (reg,))
    loss, grads = solution.loss_and_grads(*args)
    return read_result(loss, grads, params)


def read_result(loss, grads, params):
    # A Python float, a NumPy float scalar and a 0-d float array are all "a scalar".
    assert np.ndim(loss) == 0, "loss must be a scalar"
    assert np.asarray(loss).dtype.kind == "f", "loss must be a float"
    loss = float(loss)
    assert isinstance(grads, dict), "grads must be a dict"
    assert set(grads) == set(KEYS), "grads must have exactly the keys W1, b1, W2, b2"
    out = {}
    for key in KEYS:
        g = grads[key]
        assert isinstance(g, np.ndarray), f"grads[{key!r}] must be a NumPy array"
        assert g.dtype == np.float64, f"grads[{key!r}] must be float64"
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


@pytest.mark.weight(1)
def test_softmax_returns_new_array(check, rng, solution):
    # "Returns a new float64 array": the input is left as it was and the
    # result does not share its memory (an in-place shift is a classic slip).
    scores = rng.standard_normal((7, 5)) * 4.0 + 3.0
    kept = scores.copy()
    probs = solution.softmax(scores)
    assert isinstance(probs, np.ndarray), "softmax must return a NumPy array"
    assert probs.dtype == np.float64, "softmax must return float64"
    assert probs.shape == scores.shape
    check("probs", probs, **TOL)
    assert np.array_equal(scores, kept), "softmax modified its input"
    assert not np.shares_memory(probs, scores), "softmax must return a new array"


@pytest.mark.weight(1)
def test_softmax_one_row_and_ties(check, rng, solution):
    # A batch of one (shape (1, C), not (C,)) and rows whose maximum is tied.
    one = rng.standard_normal((1, 6)) * 2.0
    probs_one = np.asarray(solution.softmax(one.copy()), dtype=np.float64)
    assert probs_one.shape == (1, 6), "softmax of a (1, C) array must be (1, C)"
    tied = np.round(rng.standard_normal((4, 5)), 1)
    tied[:, 1] = tied.max(axis=1)  # the maximum appears at least twice in every row
    tied[:, 3] = tied[:, 1]
    tied[3] = 2.5                   # a constant row: uniform probabilities
    probs_tied = np.asarray(solution.softmax(tied.copy()), dtype=np.float64)
    check("probs", {"one": probs_one, "tied": probs_tied}, **TOL)


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
def test_reg_defaults_to_zero(check, rng, solution):
    # loss_and_grads(params, X, y) without reg is the plain mean cross-entropy.
    params, X, y = make_problem(rng, N=14, D=6, H=9, C=4)
    loss, grads = run(solution, params, X, y)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(1)
def test_labels_missing_classes(check, rng, solution):
    # The number of classes C comes from the parameters (W2 has C columns),
    # not from the labels: here the batch holds only classes 0 .. C-3, as
    # int32. The absent classes still get probability mass and gradients.
    params, X, _ = make_problem(rng, N=11, D=5, H=8, C=6)
    y = rng.integers(0, 4, size=11).astype(np.int32)
    loss, grads = run(solution, params, X, y, 0.1)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(1)
def test_tiny_dimensions(check, rng, solution):
    # One example, one feature, one hidden unit (kept active), two classes:
    # shapes must survive every size-1 axis.
    params, X, y = make_problem(rng, N=1, D=1, H=1, C=2)
    params["b1"] = np.abs(X @ params["W1"]).reshape(1) + 0.5
    loss, grads = run(solution, params, X, y, 0.3)
    check("loss", loss, **TOL)
    check_grads(check, grads)


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


@pytest.mark.weight(2)
def test_relu_kink_inside_the_batch(check, rng, solution):
    # Exact zeros in rows that are NOT zero, so the kink reaches dW1 too.
    # X and W1 hold small multiples of 1/4 and 1/8: every product and partial
    # sum is exact in float64, so X @ W1 + b1 is the same in any summation
    # order (matmul, einsum, loops, the bias folded into the product) and
    # b1[j] = -(X @ W1)[i, j] makes h[i, j] exactly 0.
    N, D, H, C = 10, 5, 8, 4
    params = make_params(rng, D, H, C)
    X = rng.integers(-8, 9, size=(N, D)) / 4.0
    params["W1"] = rng.integers(-8, 9, size=(D, H)) / 8.0
    y = rng.integers(0, C, size=N)
    rows = rng.choice(N, size=H, replace=True)
    params["b1"] = -(X @ params["W1"])[rows, np.arange(H)]
    loss, grads = run(solution, params, X, y, 0.0)
    check("loss", loss, **TOL)
    check_grads(check, grads)


@pytest.mark.weight(1)
def test_repeated_calls_are_independent(check, rng, solution):
    # Nothing carries over from one call to the next.
    first = make_problem(rng, N=9, D=4, H=6, C=3)
    second = make_problem(rng, N=13, D=7, H=5, C=4)
    loss_a, grads_a = run(solution, *first, 0.2)
    loss_b, grads_b = run(solution, *second, 0.0)
    loss_c, grads_c = run(solution, *first, 0.2)
    check("loss_second", loss_b, **TOL)
    check_grads(check, grads_b, "grads_second")
    same = loss_a == loss_c and all(np.array_equal(grads_a[k], grads_c[k]) for k in KEYS)
    assert same, "the same call gave a different result the second time"


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
    loss, grads = read_result(*solution.loss_and_grads(params, X, y, 0.2), kept[0])
    check("loss", loss, **TOL)
    check_grads(check, grads)
    same_keys = set(params) == set(KEYS)
    params_kept = same_keys and all(np.array_equal(params[k], kept[0][k]) for k in KEYS)
    data_kept = np.array_equal(X, kept[1]) and np.array_equal(y, kept[2])
    assert params_kept, "params were modified"
    assert data_kept, "X or y was modified"
