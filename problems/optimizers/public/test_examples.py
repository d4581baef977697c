"""Public examples for optimizers: run them with `judge test optimizers solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass.
"""
import numpy as np
import pytest


def test_sgd_momentum_example(solution):
    w, b = np.array([1.0, -2.0]), np.array(0.5)
    params = {"w": w, "b": b}
    opt = solution.SGD(params, lr=0.1, momentum=0.9)
    opt.step({"w": np.array([1.0, 1.0]), "b": np.array(2.0)})
    opt.step({"w": np.array([1.0, 0.0])})
    assert params["w"] is w and params["b"] is b
    np.testing.assert_allclose(w, [0.71, -2.19])
    assert float(b) == pytest.approx(0.3)
    np.testing.assert_allclose(opt.state["w"]["momentum_buffer"], [1.9, 0.9])


def test_adam_first_step_example(solution):
    params = {"x": np.array([3.0])}
    opt = solution.Adam(params, lr=0.1)
    opt.step({"x": np.array([0.5])})
    np.testing.assert_allclose(params["x"], [2.9], rtol=1e-8)
    assert opt.state["x"]["step"] == 1
    np.testing.assert_allclose(opt.state["x"]["exp_avg"], [0.05])
    np.testing.assert_allclose(opt.state["x"]["exp_avg_sq"], [0.00025])


def test_adamw_decay_example(solution):
    params = {"x": np.array([3.0])}
    opt = solution.AdamW(params, lr=0.1, weight_decay=0.5)
    opt.step({"x": np.array([0.0])})
    np.testing.assert_allclose(params["x"], [2.85])


def test_rmsprop_quadratic_decreases(solution):
    params = {"x": np.array([2.0, -3.0])}
    opt = solution.RMSprop(params, lr=0.01)
    for _ in range(100):
        opt.step({"x": 2.0 * params["x"]})
    assert np.all(np.abs(params["x"]) < np.array([2.0, 3.0]))
