"""Hidden suite for conv-pool-backprop.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id). Every test records the values that matter with ``check``; the judge
compares them with the reference run's values outside the sandbox.
"""
import numpy as np
import pytest

# float64: correct implementations differ only by summation order (~1e-15 relative).
TOL = {"rtol": 1e-6, "atol": 1e-9}


# ---- helpers -----------------------------------------------------------------
def f64(value, shape, what):
    assert isinstance(value, np.ndarray), f"{what} must be a NumPy array"
    assert value.dtype == np.float64, f"{what} must be float64"
    assert value.shape == shape, f"{what} has the wrong shape"
    return value


def conv_out_shape(x, w, stride, padding):
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    return (n, c_out, (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1)


def pool_out_shape(x, size, stride):
    n, c, h, wd = x.shape
    return (n, c, (h - size) // stride + 1, (wd - size) // stride + 1)


def conv_fwd(solution, x, w, b, stride, padding):
    out = solution.conv2d_forward(x.copy(), w.copy(), b.copy(), stride=stride, padding=padding)
    return f64(out, conv_out_shape(x, w, stride, padding), "out")


def conv_bwd(solution, dout, x, w, stride, padding):
    res = solution.conv2d_backward(dout.copy(), x.copy(), w.copy(), stride=stride, padding=padding)
    assert isinstance(res, tuple) and len(res) == 3, "conv2d_backward returns (dx, dw, db)"
    dx, dw, db = res
    return (f64(dx, x.shape, "dx"), f64(dw, w.shape, "dw"), f64(db, (w.shape[0],), "db"))


def pool_fwd(solution, x, size, stride):
    out = solution.maxpool2d_forward(x.copy(), size=size, stride=stride)
    return f64(out, pool_out_shape(x, size, size if stride is None else stride), "out")


def pool_bwd(solution, dout, x, size, stride):
    dx = solution.maxpool2d_backward(dout.copy(), x.copy(), size=size, stride=stride)
    return f64(dx, x.shape, "dx")


def conv_case(rng, n, cin, cout, h, w, kh, kw):
    x = rng.standard_normal((n, cin, h, w))
    wt = rng.standard_normal((cout, cin, kh, kw))
    b = rng.standard_normal(cout)
    return x, wt, b


# (N, C_in, C_out, H, W, kh, kw, stride, padding)
CONV_CASES = {
    "basic": (2, 3, 4, 7, 6, 3, 3, 1, 0),
    "stride2-pad1": (3, 2, 3, 8, 8, 3, 3, 2, 1),
    "nonsquare-pad2": (2, 2, 3, 6, 9, 2, 4, 1, 2),
    "stride-gt-kernel": (2, 2, 2, 10, 9, 2, 2, 3, 0),
    "stride-gt-kernel-pad": (2, 3, 2, 7, 8, 2, 1, 3, 2),
    "one-by-one": (2, 4, 3, 5, 6, 1, 1, 1, 0),
    "one-by-one-stride2-pad1": (2, 3, 2, 6, 5, 1, 1, 2, 1),
    "batch-of-one": (1, 3, 2, 6, 7, 3, 2, 1, 1),
    "uneven-output": (2, 2, 3, 8, 7, 3, 2, 2, 1),
    "uneven-stride3": (2, 1, 2, 11, 10, 4, 3, 3, 2),
    "kernel-as-large-as-padded-input": (2, 2, 3, 4, 5, 6, 7, 1, 1),
    "single-channels": (3, 1, 1, 6, 6, 3, 3, 1, 1),
}


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", list(CONV_CASES))
def test_conv_forward(case, rng, check, solution):
    n, cin, cout, h, w, kh, kw, s, p = CONV_CASES[case]
    x, wt, b = conv_case(rng, n, cin, cout, h, w, kh, kw)
    check("out", conv_fwd(solution, x, wt, b, s, p), **TOL)


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", list(CONV_CASES))
def test_conv_backward(case, rng, check, solution):
    n, cin, cout, h, w, kh, kw, s, p = CONV_CASES[case]
    x, wt, _ = conv_case(rng, n, cin, cout, h, w, kh, kw)
    dout = rng.standard_normal(conv_out_shape(x, wt, s, p))
    dx, dw, db = conv_bwd(solution, dout, x, wt, s, p)
    check("dx", dx, **TOL)
    check("dw", dw, **TOL)
    check("db", db, **TOL)


@pytest.mark.weight(2)
def test_conv_is_cross_correlation(rng, check, solution):
    # One channel, an asymmetric kernel: a flipped kernel (true convolution) differs.
    x = rng.standard_normal((1, 1, 6, 5))
    w = rng.standard_normal((1, 1, 3, 2))
    out = conv_fwd(solution, x, w, np.zeros(1), 1, 0)
    expected = np.zeros((4, 4))
    for r in range(4):
        for c in range(4):
            expected[r, c] = np.sum(x[0, 0, r:r + 3, c:c + 2] * w[0, 0])
    err = float(np.max(np.abs(out[0, 0] - expected)))
    check("out", out, **TOL)
    assert err < 1e-9, "the output is not the cross-correlation of x with w"


def _finite_difference(loss, arrays, which, idx, eps=1e-6):
    plus = [a.copy() for a in arrays]
    minus = [a.copy() for a in arrays]
    plus[which][idx] += eps
    minus[which][idx] -= eps
    return (loss(*plus) - loss(*minus)) / (2 * eps)


def _sample_indices(rng, shape, k):
    return [tuple(int(rng.integers(0, s)) for s in shape) for _ in range(k)]


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["stride2-pad1", "uneven-output", "nonsquare-pad2"])
def test_conv_finite_differences(case, rng, check, solution):
    n, cin, cout, h, w, kh, kw, s, p = CONV_CASES[case]
    x, wt, b = conv_case(rng, n, cin, cout, h, w, kh, kw)
    dout = rng.standard_normal(conv_out_shape(x, wt, s, p))
    grads = conv_bwd(solution, dout, x, wt, s, p)

    def loss(x_, w_, b_):
        return float(np.sum(conv_fwd(solution, x_, w_, b_, s, p) * dout))

    for which, name in enumerate(("dx", "dw", "db")):
        idxs = _sample_indices(rng, (x, wt, b)[which].shape, 8)
        analytic = np.array([grads[which][i] for i in idxs])
        numeric = np.array([_finite_difference(loss, [x, wt, b], which, i) for i in idxs])
        check(name, analytic, **TOL)
        check(name + "_numeric", numeric, rtol=1e-4, atol=1e-5)
        worst = float(np.max(np.abs(numeric - analytic)))
        assert worst < 1e-5, f"{name} disagrees with finite differences"


@pytest.mark.weight(1)
def test_conv_uncovered_inputs_get_zero_gradient(rng, check, solution):
    # stride 3 > kernel 2 and a rounded-down output: rows/columns no window meets.
    x, w, _ = conv_case(rng, 2, 2, 3, 9, 10, 2, 2)
    dout = rng.standard_normal(conv_out_shape(x, w, 3, 1))
    dx, dw, db = conv_bwd(solution, dout, x, w, 3, 1)
    padded = np.zeros((11, 12), dtype=bool)
    for r in range(dout.shape[2]):
        for c in range(dout.shape[3]):
            padded[3 * r:3 * r + 2, 3 * c:3 * c + 2] = True
    covered = padded[1:10, 1:11]
    check("dx", dx, **TOL)
    check("covered", covered, exact=True)
    outside = float(np.max(np.abs(dx[:, :, ~covered]))) if (~covered).any() else 0.0
    assert outside == 0.0, "an input no window covers has a non-zero gradient"


@pytest.mark.weight(1)
def test_conv_defaults(rng, check, solution):
    x, w, b = conv_case(rng, 2, 2, 3, 6, 5, 3, 2)
    out = solution.conv2d_forward(x.copy(), w.copy(), b.copy())
    check("out", f64(out, conv_out_shape(x, w, 1, 0), "out"), **TOL)
    dout = rng.standard_normal(out.shape)
    res = solution.conv2d_backward(dout.copy(), x.copy(), w.copy())
    check("dx", f64(res[0], x.shape, "dx"), **TOL)
    check("dw", f64(res[1], w.shape, "dw"), **TOL)
    check("db", f64(res[2], (3,), "db"), **TOL)


@pytest.mark.weight(1)
def test_conv_non_contiguous_inputs(rng, check, solution):
    x = rng.standard_normal((2, 3, 7, 6)).transpose(0, 1, 3, 2)        # (2, 3, 6, 7), not C-contiguous
    w = rng.standard_normal((2, 3, 2, 3))[:, :, ::-1, :]                 # negative strides
    b = rng.standard_normal(4)[::2]
    out = solution.conv2d_forward(x, w, b, stride=2, padding=1)
    check("out", f64(out, conv_out_shape(x, w, 2, 1), "out"), **TOL)
    dout = np.asfortranarray(rng.standard_normal(out.shape))
    res = solution.conv2d_backward(dout, x, w, stride=2, padding=1)
    check("dx", f64(res[0], x.shape, "dx"), **TOL)
    check("dw", f64(res[1], w.shape, "dw"), **TOL)
    check("db", f64(res[2], (2,), "db"), **TOL)


@pytest.mark.weight(1)
def test_conv_leaves_arguments_alone(rng, check, solution):
    x, w, b = conv_case(rng, 2, 3, 2, 6, 6, 3, 3)
    dout = rng.standard_normal(conv_out_shape(x, w, 1, 1))
    args = [x.copy(), w.copy(), b.copy(), dout.copy()]
    out = solution.conv2d_forward(args[0], args[1], args[2], stride=1, padding=1)
    check("out", f64(out, dout.shape, "out"), **TOL)
    dx, dw, db = solution.conv2d_backward(args[3], args[0], args[1], stride=1, padding=1)
    check("dx", f64(dx, x.shape, "dx"), **TOL)
    check("dw", f64(dw, w.shape, "dw"), **TOL)
    check("db", f64(db, b.shape, "db"), **TOL)
    changed = [name for name, a, o in zip("x w b dout".split(), args, (x, w, b, dout))
               if not np.array_equal(a, o)]
    check("changed", len(changed), exact=True)
    assert not changed, "an argument was modified"


# (shape of x, kwargs that break it, which function)
CONV_ERRORS = {
    "channels-disagree": ((2, 3, 6, 6), (2, 2, 3, 3), 2, {}, "forward"),
    "bias-too-long": ((2, 2, 6, 6), (2, 2, 3, 3), 3, {}, "forward"),
    "bias-2d": ((2, 2, 6, 6), (2, 2, 3, 3), (1, 2), {}, "forward"),
    "stride-zero": ((2, 2, 6, 6), (2, 2, 3, 3), 2, {"stride": 0}, "forward"),
    "padding-negative": ((2, 2, 6, 6), (2, 2, 3, 3), 2, {"padding": -1}, "forward"),
    "kernel-taller-than-padded": ((1, 1, 4, 8), (1, 1, 7, 2), 1, {"padding": 1}, "forward"),
    "kernel-wider-than-padded": ((1, 1, 8, 4), (1, 1, 2, 7), 1, {"padding": 1}, "forward"),
    "backward-channels-disagree": ((2, 3, 6, 6), (2, 2, 3, 3), 2, {}, "backward"),
    "backward-dout-too-tall": ((2, 2, 6, 6), (2, 2, 3, 3), 2, {"dout_shape": (2, 2, 5, 4)}, "backward"),
    "backward-dout-one-row": ((2, 2, 6, 6), (2, 2, 3, 3), 2, {"dout_shape": (2, 2, 1, 4)}, "backward"),
    "backward-dout-one-channel": ((2, 2, 6, 6), (3, 2, 3, 3), 3, {"dout_shape": (2, 1, 4, 4)}, "backward"),
    "backward-dout-3d": ((1, 2, 6, 6), (3, 2, 3, 3), 3, {"dout_shape": (3, 4, 4)}, "backward"),
    "backward-stride-zero": ((2, 2, 6, 6), (2, 2, 3, 3), 2, {"stride": 0}, "backward"),
    "backward-kernel-too-large": ((1, 1, 4, 8), (1, 1, 5, 2), 1, {}, "backward"),
}


@pytest.mark.weight(1)
@pytest.mark.parametrize("case", list(CONV_ERRORS))
def test_conv_rejects_bad_arguments(case, rng, check, solution):
    xs, ws, bs, kwargs, which = CONV_ERRORS[case]
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    b = rng.standard_normal(bs)
    kwargs = dict(kwargs)
    dout_shape = kwargs.pop("dout_shape", None)
    raised = False
    try:
        if which == "forward":
            solution.conv2d_forward(x, w, b, **kwargs)
        else:
            n, _, h, wd = xs
            s = kwargs.get("stride", 1) or 1
            p = kwargs.get("padding", 0)
            good = (n, ws[0], max((h + 2 * p - ws[2]) // s + 1, 1), max((wd + 2 * p - ws[3]) // s + 1, 1))
            dout = rng.standard_normal(good if dout_shape is None else dout_shape)
            solution.conv2d_backward(dout, x, w, **kwargs)
    except ValueError:
        raised = True
    check("raised", raised, exact=True)
    assert raised, "expected ValueError"


# ---- max-pooling ---------------------------------------------------------------
# (shape of x, size, stride)
POOL_CASES = {
    "2x2-default-stride": ((2, 3, 8, 6), 2, None),
    "3x3-stride2-overlap": ((2, 2, 9, 7), 3, 2),
    "3x3-stride1-overlap": ((1, 2, 6, 7), 3, 1),
    "stride-gt-size": ((2, 2, 8, 9), 2, 3),
    "uneven-output": ((2, 2, 8, 7), 3, 3),
    "window-as-large-as-input": ((3, 2, 5, 5), 5, None),
    "size-one-stride2": ((2, 2, 5, 6), 1, 2),
    "batch-of-one": ((1, 4, 6, 6), 2, 2),
    "nonsquare-input": ((2, 1, 4, 10), 4, 2),
}


def distinct_values(rng, shape):
    """Random order, every value distinct and 0.1 apart (no ties, no near-ties)."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) - np.prod(shape) / 2) * 0.1


@pytest.mark.weight(1)
@pytest.mark.parametrize("case", list(POOL_CASES))
def test_pool_forward(case, rng, check, solution):
    shape, size, stride = POOL_CASES[case]
    x = rng.standard_normal(shape)
    check("out", pool_fwd(solution, x, size, stride), **TOL)


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", list(POOL_CASES))
def test_pool_backward(case, rng, check, solution):
    shape, size, stride = POOL_CASES[case]
    x = distinct_values(rng, shape)
    dout = rng.standard_normal(pool_out_shape(x, size, size if stride is None else stride))
    check("dx", pool_bwd(solution, dout, x, size, stride), **TOL)


@pytest.mark.weight(1)
def test_pool_all_negative_inputs(rng, check, solution):
    x = -np.abs(rng.standard_normal((2, 3, 6, 6))) - 1.0
    out = pool_fwd(solution, x, 2, None)
    check("out", out, **TOL)
    dout = rng.standard_normal(out.shape)
    check("dx", pool_bwd(solution, dout, x, 2, None), **TOL)


TIE_CASES = {
    "2x2": ((2, 3, 8, 8), 2, None),
    "3x3": ((2, 2, 9, 9), 3, None),
    "3x3-overlap": ((2, 2, 8, 7), 3, 1),
    "2x2-stride1": ((1, 3, 6, 6), 2, 1),
}


@pytest.mark.weight(3)
@pytest.mark.parametrize("case", list(TIE_CASES))
def test_pool_ties_go_to_first_maximum(case, rng, check, solution):
    shape, size, stride = TIE_CASES[case]
    x = rng.integers(0, 3, size=shape).astype(np.float64)         # many exact ties
    s = size if stride is None else stride
    out = pool_fwd(solution, x, size, stride)
    dout = rng.integers(1, 9, size=out.shape).astype(np.float64)  # exact sums in any order
    dx = pool_bwd(solution, dout, x, size, stride)
    check("out", out, exact=True)
    check("dx", dx, exact=True)
    check("nonzero", np.count_nonzero(dx), exact=True)
    # every window hands its gradient to exactly one element
    total = float(dx.sum())
    assert total == float(dout.sum()), "gradient was lost or duplicated"
    assert out.shape[2] == (shape[2] - size) // s + 1


@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["3x3-stride2-overlap", "uneven-output", "stride-gt-size"])
def test_pool_finite_differences(case, rng, check, solution):
    shape, size, stride = POOL_CASES[case]
    x = distinct_values(rng, shape)
    dout = rng.standard_normal(pool_out_shape(x, size, size if stride is None else stride))
    dx = pool_bwd(solution, dout, x, size, stride)

    def loss(x_):
        return float(np.sum(pool_fwd(solution, x_, size, stride) * dout))

    idxs = _sample_indices(rng, shape, 12)
    analytic = np.array([dx[i] for i in idxs])
    numeric = np.array([_finite_difference(loss, [x], 0, i) for i in idxs])
    check("dx", analytic, **TOL)
    check("dx_numeric", numeric, rtol=1e-4, atol=1e-5)
    worst = float(np.max(np.abs(numeric - analytic)))
    assert worst < 1e-5, "dx disagrees with finite differences"


@pytest.mark.weight(1)
def test_pool_defaults(rng, check, solution):
    x = distinct_values(rng, (2, 2, 9, 8))
    out = solution.maxpool2d_forward(x.copy())                       # size 2, stride 2
    check("out", f64(out, pool_out_shape(x, 2, 2), "out"), **TOL)
    dout = rng.standard_normal(out.shape)
    check("dx", f64(solution.maxpool2d_backward(dout.copy(), x.copy()), x.shape, "dx"), **TOL)
    out3 = solution.maxpool2d_forward(x.copy(), 3)                   # stride defaults to size = 3
    check("out3", f64(out3, pool_out_shape(x, 3, 3), "out3"), **TOL)
    dout3 = rng.standard_normal(out3.shape)
    check("dx3", f64(solution.maxpool2d_backward(dout3.copy(), x.copy(), 3), x.shape, "dx3"), **TOL)


@pytest.mark.weight(1)
def test_pool_non_contiguous_inputs(rng, check, solution):
    x = distinct_values(rng, (2, 3, 9, 8)).transpose(0, 1, 3, 2)[:, ::-1]
    out = solution.maxpool2d_forward(x, size=3, stride=2)
    check("out", f64(out, pool_out_shape(x, 3, 2), "out"), **TOL)
    dout = np.asfortranarray(rng.standard_normal(out.shape))
    check("dx", f64(solution.maxpool2d_backward(dout, x, size=3, stride=2), x.shape, "dx"), **TOL)


@pytest.mark.weight(1)
def test_pool_leaves_arguments_alone(rng, check, solution):
    x = rng.integers(0, 3, size=(2, 2, 6, 6)).astype(np.float64)
    dout = rng.standard_normal((2, 2, 4, 4))
    xc, dc = x.copy(), dout.copy()
    out = solution.maxpool2d_forward(xc, size=3, stride=1)
    check("out", f64(out, dout.shape, "out"), **TOL)
    dx = solution.maxpool2d_backward(dc, xc, size=3, stride=1)
    check("dx", f64(dx, x.shape, "dx"), **TOL)
    changed = int(not np.array_equal(xc, x)) + int(not np.array_equal(dc, dout))
    check("changed", changed, exact=True)
    assert changed == 0, "an argument was modified"


POOL_ERRORS = {
    "size-zero": ((1, 1, 4, 4), {"size": 0}, "forward", None),
    "stride-zero": ((1, 1, 4, 4), {"size": 2, "stride": 0}, "forward", None),
    "window-taller-than-input": ((1, 2, 3, 6), {"size": 4}, "forward", None),
    "window-wider-than-input": ((1, 2, 6, 3), {"size": 4}, "forward", None),
    "backward-window-too-large": ((1, 1, 3, 6), {"size": 4}, "backward", (1, 1, 1, 1)),
    "backward-dout-wrong-size": ((2, 2, 6, 6), {"size": 2}, "backward", (2, 2, 3, 4)),
    "backward-dout-one-channel": ((2, 2, 6, 6), {"size": 2}, "backward", (2, 1, 3, 3)),
    "backward-dout-one-row": ((2, 2, 6, 6), {"size": 2}, "backward", (2, 2, 1, 3)),
    "backward-stride-zero": ((1, 1, 4, 4), {"size": 2, "stride": 0}, "backward", (1, 1, 2, 2)),
}


@pytest.mark.weight(1)
@pytest.mark.parametrize("case", list(POOL_ERRORS))
def test_pool_rejects_bad_arguments(case, rng, check, solution):
    shape, kwargs, which, dshape = POOL_ERRORS[case]
    x = rng.standard_normal(shape)
    raised = False
    try:
        if which == "forward":
            solution.maxpool2d_forward(x, **kwargs)
        else:
            solution.maxpool2d_backward(rng.standard_normal(dshape), x, **kwargs)
    except ValueError:
        raised = True
    check("raised", raised, exact=True)
    assert raised, "expected ValueError"


# ---- a small CNN layer: conv -> max-pool ------------------------------------------
@pytest.mark.weight(2)
def test_conv_then_pool_backward(rng, check, solution):
    x, w, b = conv_case(rng, 2, 3, 4, 9, 9, 3, 3)
    y = conv_fwd(solution, x, w, b, 1, 1)                           # (2, 4, 9, 9)
    z = pool_fwd(solution, y, 2, None)                              # (2, 4, 4, 4)
    dz = rng.standard_normal(z.shape)
    dy = pool_bwd(solution, dz, y, 2, None)
    dx, dw, db = conv_bwd(solution, dy, x, w, 1, 1)
    for name, value in (("z", z), ("dy", dy), ("dx", dx), ("dw", dw), ("db", db)):
        check(name, value, **TOL)
