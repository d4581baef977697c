"""Public examples for conv-pool-backprop: run them with `judge test conv-pool-backprop solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass.
"""
import numpy as np
import pytest

X3 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
W2 = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(1, 1, 2, 2)
XP = np.array([[1.0, 3.0, 2.0, 2.0],
               [3.0, 0.0, 2.0, 1.0],
               [0.0, -1.0, 4.0, 5.0],
               [-2.0, -1.0, 5.0, 4.0]]).reshape(1, 1, 4, 4)


def test_conv_example(solution):
    out = solution.conv2d_forward(X3, W2, np.array([0.5]))
    np.testing.assert_allclose(out, np.full((1, 1, 2, 2), -3.5))
    dx, dw, db = solution.conv2d_backward(np.ones((1, 1, 2, 2)), X3, W2)
    np.testing.assert_allclose(dx[0, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_allclose(dw[0, 0], [[12, 16], [24, 28]])
    np.testing.assert_allclose(db, [4.0])
    assert solution.conv2d_forward(X3, W2, np.array([0.5]), stride=2, padding=1).shape == (1, 1, 2, 2)


def test_maxpool_example_with_ties(solution):
    np.testing.assert_allclose(solution.maxpool2d_forward(XP)[0, 0], [[3, 2], [0, 5]])
    dx = solution.maxpool2d_backward(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2), XP)
    np.testing.assert_allclose(dx[0, 0], [[0, 1, 2, 0], [0, 0, 0, 0], [3, 0, 0, 4], [0, 0, 0, 0]])
    dx = solution.maxpool2d_backward(np.ones((1, 1, 2, 2)), XP, size=3, stride=1)
    np.testing.assert_allclose(dx[0, 0], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 2], [0, 0, 1, 0]])


def test_conv_gradient_matches_finite_differences(solution):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4))
    w = rng.standard_normal((2, 3, 3, 2))
    b = rng.standard_normal(2)
    dout = rng.standard_normal((2, 2, 3, 3))      # stride 2, padding 1
    dx, dw, db = solution.conv2d_backward(dout, x, w, stride=2, padding=1)

    def loss(x_, w_, b_):
        return float(np.sum(solution.conv2d_forward(x_, w_, b_, stride=2, padding=1) * dout))

    eps = 1e-6
    for arr, grad in ((x, dx), (w, dw), (b, db)):
        for idx in [tuple(rng.integers(0, s) for s in arr.shape) for _ in range(5)]:
            plus, minus = arr.copy(), arr.copy()
            plus[idx] += eps
            minus[idx] -= eps
            args_p = [plus if a is arr else a for a in (x, w, b)]
            args_m = [minus if a is arr else a for a in (x, w, b)]
            numeric = (loss(*args_p) - loss(*args_m)) / (2 * eps)
            assert numeric == pytest.approx(grad[idx], abs=1e-5)


def test_errors(solution):
    with pytest.raises(ValueError):
        solution.conv2d_forward(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2)), np.zeros(1))
    with pytest.raises(ValueError):
        solution.maxpool2d_forward(np.zeros((1, 1, 2, 2)), size=3)
