"""Public examples for q-learning-gridworld: run them with
`judge test q-learning-gridworld solution.py`.

The hidden suite checks much more (and on other inputs); passing these does
not mean the hidden tests pass. gridworld.py (beside this file) is the
environment the hidden tests use too.
"""
import numpy as np

from gridworld import GridWorld

LAYOUT = ["....G",
          ".#.#X",
          "S...."]


def test_q_learning_example(solution):
    env = GridWorld(LAYOUT)
    r = solution.q_learning(env, 20, np.random.default_rng(0), alpha=0.5, gamma=0.9, epsilon=0.2)
    np.testing.assert_allclose(r["Q"][env.start], [-0.1024, 0.3878, -0.0426, 0.0719], atol=1e-4)
    np.testing.assert_allclose(r["returns"][:5], [0.64, -1.6, -0.84, -0.68, 0.56], atol=1e-9)
    assert list(r["lengths"][:5]) == [10, 16, 47, 43, 12]
    assert list(solution.greedy_policy(r["Q"])) == [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1]


def test_sarsa_example(solution):
    env = GridWorld(LAYOUT, slip=0.2)
    s = solution.sarsa(env, 20, np.random.default_rng(0), alpha=0.5, gamma=0.9, epsilon=0.2)
    np.testing.assert_allclose(s["Q"][env.start], [-0.1067, -0.0459, -0.0686, -0.135], atol=1e-4)
    assert list(s["lengths"][:5]) == [17, 82, 28, 10, 18]


def test_value_iteration_example(solution):
    env = GridWorld(LAYOUT, slip=0.2)
    v = solution.value_iteration(env, gamma=0.9, tol=1e-6)
    assert int(v["sweeps"]) == 24
    np.testing.assert_allclose(v["V"][:4], [0.5003, 0.6391, 0.7834, 0.9659], atol=1e-4)
    assert list(v["policy"]) == [1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 3, 3]


def test_epsilon_greedy_ties(solution):
    rng = np.random.default_rng(1)
    assert solution.epsilon_greedy(np.array([0.0, 2.0, 2.0, 1.0]), 0.0, rng) == 1
