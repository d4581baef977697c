"""Public examples for numpy-backprop: run them with `judge test numpy-backprop solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass.
"""
import numpy as np
import pytest


def example():
    X = np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 1.5]])
    y = np.array([0, 2, 1])
    params = {
        "W1": np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]),
        "b1": np.array([0.0, 0.1, -0.1]),
        "W2": np.array([[0.2, -0.3, 0.1], [-0.5, 0.4, 0.3], [0.6, -0.1, -0.2]]),
        "b2": np.array([0.05, -0.05, 0.0]),
    }
    return params, X, y


def test_softmax_example(solution):
    probs = solution.softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]))
    expected = np.array([[0.09003057, 0.24472847, 0.66524096], [1 / 3, 1 / 3, 1 / 3]])
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs, expected, rtol=1e-6)


def test_loss_and_grads_example(solution):
    params, X, y = example()
    loss, grads = solution.loss_and_grads(params, X, y, reg=0.1)
    assert float(loss) == pytest.approx(0.9671986763947802, rel=1e-9)
    assert set(grads) == {"W1", "b1", "W2", "b2"}
    for key in params:
        assert grads[key].shape == params[key].shape, key
    np.testing.assert_allclose(grads["b2"], [0.057301, -0.038757, -0.018544], atol=1e-6)
    np.testing.assert_allclose(grads["b1"], [0.061806, -0.075345, 0.008665], atol=1e-6)
    loss0, _ = solution.loss_and_grads(params, X, y)
    assert float(loss0) == pytest.approx(0.8691986763947802, rel=1e-9)


def test_gradients_match_finite_differences(solution):
    rng = np.random.default_rng(0)
    N, D, H, C = 4, 3, 5, 3
    params = {
        "W1": rng.standard_normal((D, H)),
        "b1": rng.standard_normal(H) * 0.1,
        "W2": rng.standard_normal((H, C)),
        "b2": rng.standard_normal(C) * 0.1,
    }
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    _, grads = solution.loss_and_grads(params, X, y, reg=0.05)
    eps = 1e-6
    for key, value in params.items():
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            numeric = (float(solution.loss_and_grads(plus, X, y, reg=0.05)[0])
                       - float(solution.loss_and_grads(minus, X, y, reg=0.05)[0])) / (2 * eps)
            assert abs(numeric - grads[key][idx]) < 1e-5, (key, idx)


def test_large_logits_stay_finite(solution):
    probs = solution.softmax(np.array([[-1000.0, 0.0, 1000.0]]))
    assert np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs, [[0.0, 0.0, 1.0]], atol=1e-12)
