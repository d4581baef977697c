"""Public examples for gradient-descent: run them with `judge test gradient-descent solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass.
"""
import numpy as np
import pytest

X = np.array([[1.0, 2.0], [2.0, 0.5], [3.0, -1.0], [4.0, 1.5]])
Y = np.array([3.0, 2.5, 1.0, 5.5])
LABELS = np.array([1.0, 0.0, 0.0, 1.0])


def test_mse_loss_grad_example(solution):
    loss, dw, db = solution.mse_loss_grad(np.array([0.5, -0.5]), 0.25, X, Y)
    assert float(loss) == pytest.approx(7.59375)
    np.testing.assert_allclose(dw, [-9.25, -7.25])
    assert float(db) == pytest.approx(-3.75)


def test_bce_loss_grad_example(solution):
    loss, dw, db = solution.bce_loss_grad(np.array([0.5, -0.5]), 0.25, X, LABELS)
    assert float(loss) == pytest.approx(1.1727052360741412, rel=1e-9)
    np.testing.assert_allclose(dw, [0.721048, -0.484278], atol=1e-6)
    assert float(db) == pytest.approx(0.22277677225968523, rel=1e-9)


def test_full_batch_example(solution):
    r = solution.train(X, Y, loss="mse", lr=0.05, epochs=3)
    assert r["history"].shape == (4, 3)
    np.testing.assert_allclose(r["history"][1], [0.825, 0.3625, 0.3])
    np.testing.assert_allclose(r["losses"], [11.625, 1.323262, 0.881853, 0.671814], atol=1e-6)
    np.testing.assert_allclose(r["w"], r["history"][-1, :2])
    assert float(r["b"]) == pytest.approx(r["history"][-1, 2])


def test_minibatch_momentum_example(solution):
    r = solution.train(X, Y, loss="mse", lr=0.01, epochs=2, batch_size=3, momentum=0.9, seed=7)
    expected = [[0.0, 0.0, 0.0], [0.5474, 0.232192, 0.18435], [1.518949, 0.654799, 0.481892]]
    np.testing.assert_allclose(r["history"], expected, atol=1e-6)
    np.testing.assert_allclose(r["losses"], [11.625, 3.135911, 4.380866], atol=1e-6)


def test_zero_epochs_returns_the_start(solution):
    r = solution.train(X, LABELS, loss="bce", lr=0.1, epochs=0, w0=np.array([1.0, -1.0]), b0=0.5)
    np.testing.assert_allclose(r["history"], [[1.0, -1.0, 0.5]])
    assert r["losses"].shape == (1,)


def test_bce_gradient_matches_finite_differences(solution):
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal(2), 0.3
    _, dw, db = solution.bce_loss_grad(w, b, X, LABELS)
    eps = 1e-6
    for j in range(2):
        e = np.zeros(2)
        e[j] = eps
        numeric = (solution.bce_loss_grad(w + e, b, X, LABELS)[0]
                   - solution.bce_loss_grad(w - e, b, X, LABELS)[0]) / (2 * eps)
        assert numeric == pytest.approx(dw[j], abs=1e-6)
    numeric_b = (solution.bce_loss_grad(w, b + eps, X, LABELS)[0]
                 - solution.bce_loss_grad(w, b - eps, X, LABELS)[0]) / (2 * eps)
    assert numeric_b == pytest.approx(db, abs=1e-6)
