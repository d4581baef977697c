"""q-learning-gridworld: fill in the six functions (see spec.md).

The environment is the given module gridworld.py; do not import it here:
your functions receive a GridWorld object as `env`.
"""
import numpy as np


def epsilon_greedy(q_values, epsilon, rng):
    """One rng.random(); below epsilon a random action rng.integers(n_actions), else the
    greedy action (lowest index among ties). Returns an int."""
    raise NotImplementedError


def greedy_policy(Q):
    """Greedy action of every state (lowest index among ties), int64 (n_states,)."""
    raise NotImplementedError


def q_learning(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
               q_init=0.0):
    """Tabular Q-learning. Returns {"Q", "returns", "lengths"} (see spec.md)."""
    raise NotImplementedError


def sarsa(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
          q_init=0.0):
    """Tabular SARSA. Returns {"Q", "returns", "lengths"} (see spec.md)."""
    raise NotImplementedError


def value_iteration(env, gamma=0.99, tol=1e-8, max_sweeps=10000):
    """Synchronous value iteration. Returns {"V", "Q", "policy", "sweeps"} (see spec.md)."""
    raise NotImplementedError
