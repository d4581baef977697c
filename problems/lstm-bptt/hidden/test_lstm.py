"""Hidden suite for lstm-bptt.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id). Every test records the values that matter with ``check``; the judge
compares them with the reference run's values outside the sandbox.
"""
import numpy as np
import pytest

# float64: correct implementations differ only by summation order (~1e-14 relative).
TOL = {"rtol": 1e-6, "atol": 1e-9}
KEYS = ("x", "W", "b", "h0", "c0")
RAISE = {"over": "raise", "invalid": "raise", "divide": "raise"}


# ---- helpers -----------------------------------------------------------------
def f64(value, shape, what):
    assert isinstance(value, np.ndarray), f"{what} must be a NumPy array"
    assert value.dtype == np.float64, f"{what} must be float64"
    assert value.shape == shape, f"{what} has the wrong shape"
    return value


def copies(args):
    return {k: (None if v is None else v.copy()) for k, v in args.items()}


def forward(solution, p):
    res = solution.lstm_forward(p["x"].copy(), p["W"].copy(), p["b"].copy(),
                                **{k: v for k, v in copies({"h0": p.get("h0"), "c0": p.get("c0")}).items()})
    assert isinstance(res, tuple) and len(res) == 2, "lstm_forward returns (hs, cs)"
    n, t, _ = p["x"].shape
    hid = p["W"].shape[0] // 4
    return f64(res[0], (n, t, hid), "hs"), f64(res[1], (n, t, hid), "cs")


def backward(solution, p, dh, dc_last=None):
    kwargs = copies({"h0": p.get("h0"), "c0": p.get("c0"), "dc_last": dc_last})
    g = solution.lstm_backward(dh.copy(), p["x"].copy(), p["W"].copy(), p["b"].copy(), **kwargs)
    assert isinstance(g, dict), "lstm_backward returns a dict"
    assert sorted(g) == sorted(KEYS), "the dict must have exactly the keys x, W, b, h0, c0"
    n, _, _ = p["x"].shape
    hid = p["W"].shape[0] // 4
    shapes = {"x": p["x"].shape, "W": p["W"].shape, "b": p["b"].shape, "h0": (n, hid), "c0": (n, hid)}
    return {k: f64(g[k], shapes[k], "d" + k) for k in KEYS}


def params(rng, n, t, d, hid, given=True, w_scale=0.5, x_scale=1.0):
    p = {
        "x": x_scale * rng.standard_normal((n, t, d)),
        "W": w_scale * rng.standard_normal((4 * hid, d + hid)),
        "b": 0.5 * rng.standard_normal(4 * hid),
    }
    if given:
        p["h0"] = rng.standard_normal((n, hid))
        p["c0"] = 2.0 * rng.standard_normal((n, hid))
    return p


def check_grads(check, g, prefix=""):
    for k in KEYS:
        check(prefix + "d" + k, g[k], **TOL)


# (N, T, D, H, initial states given)
CASES = {
    "basic": (3, 5, 4, 6, True),
    "zero-initial-state": (2, 6, 3, 4, False),
    "length-one": (3, 1, 4, 5, True),
    "length-one-zero-state": (2, 1, 3, 3, False),
    "batch-of-one": (1, 7, 3, 4, True),
    "hidden-size-one": (2, 5, 3, 1, True),
    "input-size-one": (2, 5, 1, 3, True),
    "longer": (2, 40, 3, 4, True),
}


# ---- sigmoid -------------------------------------------------------------------
@pytest.mark.weight(1)
def test_sigmoid_values(rng, check, solution):
    z = np.concatenate([rng.uniform(-30, 30, 40), rng.uniform(-700, -40, 10), rng.uniform(40, 700, 10),
                        [0.0, -700.0, 700.0]])
    s = np.asarray(solution.sigmoid(z.copy()))
    check("s", f64(s, z.shape, "sigmoid(z)"), rtol=1e-6, atol=0.0)      # relative even where tiny
    grid = rng.standard_normal((2, 3, 4))
    check("s3d", f64(np.asarray(solution.sigmoid(grid.copy())), grid.shape, "sigmoid(z)"), **TOL)
    scalar = float(rng.uniform(-5, 5))
    value = solution.sigmoid(scalar)
    assert np.ndim(value) == 0, "sigmoid of a float is a scalar"
    check("scalar", float(value), **TOL)


@pytest.mark.weight(2)
def test_sigmoid_does_not_overflow(rng, check, solution):
    z = np.concatenate([rng.uniform(-1e4, -800, 20), rng.uniform(800, 1e4, 20), [-1e300, 1e300, -710.0, 710.0]])
    with np.errstate(**RAISE):
        s = np.asarray(solution.sigmoid(z.copy()))
    check("s", f64(s, z.shape, "sigmoid(z)"), **TOL)


# ---- forward -------------------------------------------------------------------
@pytest.mark.weight(2)
@pytest.mark.parametrize("case", list(CASES))
def test_forward(case, rng, check, solution):
    n, t, d, hid, given = CASES[case]
    hs, cs = forward(solution, params(rng, n, t, d, hid, given))
    check("hs", hs, **TOL)
    check("cs", cs, **TOL)


@pytest.mark.weight(2)
def test_gate_blocks(rng, check, solution):
    # Each gate block gets its own, very different, bias: any reordering of i, f, g, o shows.
    n, t, d, hid = 2, 4, 3, 3
    p = params(rng, n, t, d, hid, True, w_scale=0.3)
    p["b"] = np.repeat([2.0, -1.5, 0.8, -0.4], hid) + 0.1 * rng.standard_normal(4 * hid)
    hs, cs = forward(solution, p)
    check("hs", hs, **TOL)
    check("cs", cs, **TOL)
    g = backward(solution, p, rng.standard_normal(hs.shape), rng.standard_normal((n, hid)))
    check_grads(check, g)


# ---- backward ------------------------------------------------------------------
@pytest.mark.weight(3)
@pytest.mark.parametrize("case", list(CASES))
def test_backward(case, rng, check, solution):
    n, t, d, hid, given = CASES[case]
    p = params(rng, n, t, d, hid, given)
    g = backward(solution, p, rng.standard_normal((n, t, hid)), rng.standard_normal((n, hid)))
    check_grads(check, g)


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["basic", "zero-initial-state", "longer"])
def test_backward_hidden_states_only(case, rng, check, solution):
    # dc_last left out: the cell state is reached only through the hidden states.
    n, t, d, hid, given = CASES[case]
    p = params(rng, n, t, d, hid, given)
    check_grads(check, backward(solution, p, rng.standard_normal((n, t, hid))))


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["basic", "batch-of-one", "longer"])
def test_backward_final_state_only(case, rng, check, solution):
    # Loss on the final states only: every earlier step is reached through h_t and c_t alone.
    n, t, d, hid, given = CASES[case]
    p = params(rng, n, t, d, hid, given)
    dh = np.zeros((n, t, hid))
    dh[:, -1] = rng.standard_normal((n, hid))
    check_grads(check, backward(solution, p, dh, rng.standard_normal((n, hid))))


@pytest.mark.weight(2)
def test_backward_final_cell_state_only(rng, check, solution):
    # Only dc_last: the gradient reaches earlier steps through the forget gate.
    n, t, d, hid = 2, 6, 3, 4
    p = params(rng, n, t, d, hid, True)
    check_grads(check, backward(solution, p, np.zeros((n, t, hid)), rng.standard_normal((n, hid))))


def _finite_difference(loss, p, key, idx, eps=1e-6):
    plus, minus = copies(p), copies(p)
    plus[key][idx] += eps
    minus[key][idx] -= eps
    return (loss(plus) - loss(minus)) / (2 * eps)


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["basic", "hidden-size-one", "length-one"])
def test_finite_differences(case, rng, check, solution):
    n, t, d, hid, _ = CASES[case]
    p = params(rng, n, t, d, hid, True)
    dh, dc = rng.standard_normal((n, t, hid)), rng.standard_normal((n, hid))
    g = backward(solution, p, dh, dc)

    def loss(q):
        hs, cs = forward(solution, q)
        return float(np.sum(hs * dh) + np.sum(cs[:, -1] * dc))

    for key in KEYS:
        idxs = [tuple(int(rng.integers(0, s)) for s in p[key].shape) for _ in range(5)]
        analytic = np.array([g[key][i] for i in idxs])
        numeric = np.array([_finite_difference(loss, p, key, i) for i in idxs])
        check("d" + key, analytic, **TOL)
        check("d" + key + "_numeric", numeric, rtol=1e-4, atol=1e-6)
        worst = float(np.max(np.abs(numeric - analytic)))
        assert worst < 1e-6, f"d{key} disagrees with finite differences"


# ---- numerical range -------------------------------------------------------------
@pytest.mark.weight(2)
def test_saturated_gates_do_not_overflow(rng, check, solution):
    # Pre-activations in the thousands: every gate saturates.
    n, t, d, hid = 2, 8, 3, 4
    p = params(rng, n, t, d, hid, True, w_scale=300.0, x_scale=3.0)
    with np.errstate(**RAISE):
        hs, cs = forward(solution, p)
        g = backward(solution, p, rng.standard_normal((n, t, hid)), rng.standard_normal((n, hid)))
    check("hs", hs, **TOL)
    check("cs", cs, **TOL)
    check_grads(check, g)


@pytest.mark.weight(2)
def test_long_sequence(rng, check, solution):
    n, t, d, hid = 2, 300, 3, 4
    p = params(rng, n, t, d, hid, True, w_scale=1.0, x_scale=2.0)
    with np.errstate(**RAISE):
        hs, cs = forward(solution, p)
        g = backward(solution, p, rng.standard_normal((n, t, hid)), rng.standard_normal((n, hid)))
    check("hs", hs, **TOL)
    check("cs", cs, **TOL)
    check_grads(check, g)


# ---- arguments -------------------------------------------------------------------
@pytest.mark.weight(1)
def test_defaults_are_zero_states(rng, check, solution):
    n, t, d, hid = 2, 4, 3, 3
    p = params(rng, n, t, d, hid, False)
    hs, cs = solution.lstm_forward(p["x"].copy(), p["W"].copy(), p["b"].copy())
    check("hs", f64(hs, (n, t, hid), "hs"), **TOL)
    check("cs", f64(cs, (n, t, hid), "cs"), **TOL)
    dh = rng.standard_normal((n, t, hid))
    g = solution.lstm_backward(dh.copy(), p["x"].copy(), p["W"].copy(), p["b"].copy())
    assert sorted(g) == sorted(KEYS), "the dict must have exactly the keys x, W, b, h0, c0"
    for k in KEYS:
        check("d" + k, f64(g[k], np.shape(g[k]), "d" + k), **TOL)


@pytest.mark.weight(2)
def test_backward_uses_its_own_arguments(rng, check, solution):
    # A forward call on other data in between must not change what backward returns.
    n, t, d, hid = 2, 5, 3, 4
    p, q = params(rng, n, t, d, hid, True), params(rng, n, t, d, hid, True)
    dh = rng.standard_normal((n, t, hid))
    forward(solution, p)
    forward(solution, q)
    check_grads(check, backward(solution, p, dh))


@pytest.mark.weight(1)
def test_non_contiguous_inputs(rng, check, solution):
    n, t, d, hid = 3, 5, 4, 3
    x = rng.standard_normal((t, n, d)).transpose(1, 0, 2)                  # time-major memory
    W = np.asfortranarray(0.5 * rng.standard_normal((4 * hid, d + hid)))
    b = rng.standard_normal(8 * hid)[::2]
    h0 = rng.standard_normal((hid, n)).T
    c0 = rng.standard_normal((n, 2 * hid))[:, ::2]
    hs, cs = solution.lstm_forward(x, W, b, h0, c0)
    check("hs", f64(hs, (n, t, hid), "hs"), **TOL)
    check("cs", f64(cs, (n, t, hid), "cs"), **TOL)
    dh = rng.standard_normal((n, hid, t)).transpose(0, 2, 1)
    dc = rng.standard_normal((hid, n)).T
    g = solution.lstm_backward(dh, x, W, b, h0, c0, dc)
    for k in KEYS:
        check("d" + k, f64(g[k], np.shape(g[k]), "d" + k), **TOL)


@pytest.mark.weight(1)
def test_leaves_arguments_alone(rng, check, solution):
    n, t, d, hid = 2, 4, 3, 3
    p = params(rng, n, t, d, hid, True)
    dh, dc = rng.standard_normal((n, t, hid)), rng.standard_normal((n, hid))
    mine = copies(dict(p, dh=dh, dc=dc))
    hs, cs = solution.lstm_forward(mine["x"], mine["W"], mine["b"], mine["h0"], mine["c0"])
    g = solution.lstm_backward(mine["dh"], mine["x"], mine["W"], mine["b"], mine["h0"], mine["c0"], mine["dc"])
    check("hs", f64(hs, (n, t, hid), "hs"), **TOL)
    for k in KEYS:
        check("d" + k, f64(g[k], np.shape(g[k]), "d" + k), **TOL)
    original = dict(p, dh=dh, dc=dc)
    changed = sorted(k for k in original if not np.array_equal(original[k], mine[k]))
    check("changed", len(changed), exact=True)
    assert not changed, "an argument was modified"


# name -> (what to break, the function called)
ERRORS = {
    "x-not-3d": ("x2d", "forward"),
    "W-rows-not-multiple-of-4": ("Wrows", "forward"),
    "W-wrong-columns": ("Wcols", "forward"),
    "W-transposed": ("WT", "forward"),
    "b-wrong-length": ("blen", "forward"),
    "b-2d": ("b2d", "forward"),
    "h0-wrong-shape": ("h0", "forward"),
    "c0-wrong-shape": ("c0", "forward"),
    "backward-W-wrong-columns": ("Wcols", "backward"),
    "backward-h0-wrong-shape": ("h0", "backward"),
    "backward-dh-wrong-length": ("dhT", "backward"),
    "backward-dh-one-step": ("dh1", "backward"),
    "backward-dh-one-unit": ("dhH", "backward"),
    "backward-dc-last-wrong-shape": ("dc", "backward"),
    "backward-dc-last-one-unit": ("dc1", "backward"),
}


@pytest.mark.weight(1)
@pytest.mark.parametrize("case", list(ERRORS))
def test_rejects_bad_arguments(case, rng, check, solution):
    n, t, d, hid = 2, 4, 3, 3
    p = params(rng, n, t, d, hid, True)
    dh, dc = rng.standard_normal((n, t, hid)), rng.standard_normal((n, hid))
    what, which = ERRORS[case]
    if what == "x2d":
        p["x"] = p["x"][:, 0]
    elif what == "Wrows":
        p["W"] = rng.standard_normal((4 * hid + 2, d + hid))
    elif what == "Wcols":
        p["W"] = rng.standard_normal((4 * hid, d + hid + 1))
    elif what == "WT":
        p["W"] = rng.standard_normal((d + hid, 4 * hid))
    elif what == "blen":
        p["b"] = rng.standard_normal(4 * hid + 1)
    elif what == "b2d":
        p["b"] = rng.standard_normal((1, 4 * hid))
    elif what == "h0":
        p["h0"] = rng.standard_normal((n, hid + 1))
    elif what == "c0":
        p["c0"] = rng.standard_normal((1, hid))
    elif what == "dhT":
        dh = rng.standard_normal((n, t + 1, hid))
    elif what == "dh1":
        dh = rng.standard_normal((n, 1, hid))
    elif what == "dhH":
        dh = rng.standard_normal((n, t, 1))
    elif what == "dc":
        dc = rng.standard_normal((n + 1, hid))
    elif what == "dc1":
        dc = rng.standard_normal((n, 1))
    raised = False
    try:
        if which == "forward":
            solution.lstm_forward(p["x"], p["W"], p["b"], p["h0"], p["c0"])
        else:
            solution.lstm_backward(dh, p["x"], p["W"], p["b"], p["h0"], p["c0"], dc)
    except ValueError:
        raised = True
    check("raised", raised, exact=True)
    assert raised, "expected ValueError"
