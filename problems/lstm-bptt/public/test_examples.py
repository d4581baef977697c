"""Public examples for lstm-bptt: run them with `judge test lstm-bptt solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass.
"""
import numpy as np
import pytest

W = np.array([[0.5, -0.3], [0.2, 0.4], [1.0, 0.7], [-0.4, 0.6]])
B = np.array([0.1, 0.5, 0.0, -0.2])
X = np.array([[[1.0], [2.0]]])
H0, C0 = np.array([[0.3]]), np.array([[-0.5]])


def test_sigmoid_is_stable(solution):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = solution.sigmoid(np.array([-1000.0, 0.0, 2.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 0.8807970779778823, 1.0], rtol=1e-12)
    assert float(solution.sigmoid(-700.0)) == pytest.approx(9.85967654375977e-305, rel=1e-6)


def test_forward_example(solution):
    hs, cs = solution.lstm_forward(X, W, B, H0, C0)
    np.testing.assert_allclose(cs[0, :, 0], [0.175645, 0.84781], atol=1e-6)
    np.testing.assert_allclose(hs[0, :, 0], [0.068939, 0.191213], atol=1e-6)


def test_backward_example(solution):
    g = solution.lstm_backward(np.ones((1, 2, 1)), X, W, B, H0, C0)
    assert sorted(g) == ["W", "b", "c0", "h0", "x"]
    np.testing.assert_allclose(g["b"], [0.128603, -0.05002, 0.104454, 0.183229], atol=1e-6)
    np.testing.assert_allclose(g["x"].ravel(), [0.119438, -0.033978], atol=1e-6)
    np.testing.assert_allclose([g["h0"][0, 0], g["c0"][0, 0]], [0.042557, 0.36107], atol=1e-6)
    g = solution.lstm_backward(np.zeros((1, 2, 1)), X, W, B, H0, C0, dc_last=np.ones((1, 1)))
    np.testing.assert_allclose(g["b"], [3.231287e-01, -4.009617e-02, 1.818347e-01, -2.927766e-04], atol=1e-6)
    np.testing.assert_allclose([g["h0"][0, 0], g["c0"][0, 0]], [0.021169, 0.495599], atol=1e-6)


def test_gradients_match_finite_differences(solution):
    rng = np.random.default_rng(0)
    n, t, d, h = 2, 4, 3, 3
    x = rng.standard_normal((n, t, d))
    w = 0.5 * rng.standard_normal((4 * h, d + h))
    b = rng.standard_normal(4 * h)
    h0, c0 = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    dh, dc = rng.standard_normal((n, t, h)), rng.standard_normal((n, h))
    grads = solution.lstm_backward(dh, x, w, b, h0, c0, dc_last=dc)
    args = {"x": x, "W": w, "b": b, "h0": h0, "c0": c0}

    def loss(a):
        hs, cs = solution.lstm_forward(a["x"], a["W"], a["b"], a["h0"], a["c0"])
        return float(np.sum(hs * dh) + np.sum(cs[:, -1] * dc))

    eps = 1e-6
    for key, arr in args.items():
        for idx in [tuple(int(rng.integers(0, s)) for s in arr.shape) for _ in range(4)]:
            plus = {k: v.copy() for k, v in args.items()}
            minus = {k: v.copy() for k, v in args.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            numeric = (loss(plus) - loss(minus)) / (2 * eps)
            assert numeric == pytest.approx(grads[key][idx], abs=1e-6)
