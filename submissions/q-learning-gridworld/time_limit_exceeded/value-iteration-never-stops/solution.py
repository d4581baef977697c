"""Reference solution for q-learning-gridworld."""
import numpy as np


def epsilon_greedy(q_values, epsilon, rng):
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))


def greedy_policy(Q):
    return np.argmax(Q, axis=1).astype(np.int64)


def q_learning(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
               q_init=0.0):
    Q = np.full((env.n_states, env.n_actions), float(q_init))
    returns = np.zeros(episodes)
    lengths = np.zeros(episodes, dtype=np.int64)
    for ep in range(episodes):
        s = env.start
        for t in range(max_steps):
            a = epsilon_greedy(Q[s], epsilon, rng)
            s2, r, done = env.step(s, a, rng)
            target = r if done else r + gamma * np.max(Q[s2])
            Q[s, a] += alpha * (target - Q[s, a])
            returns[ep] += r
            lengths[ep] += 1
            s = s2
            if done:
                break
    return {"Q": Q, "returns": returns, "lengths": lengths}


def sarsa(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
          q_init=0.0):
    Q = np.full((env.n_states, env.n_actions), float(q_init))
    returns = np.zeros(episodes)
    lengths = np.zeros(episodes, dtype=np.int64)
    for ep in range(episodes):
        s = env.start
        a = epsilon_greedy(Q[s], epsilon, rng)
        for t in range(max_steps):
            s2, r, done = env.step(s, a, rng)
            returns[ep] += r
            lengths[ep] += 1
            if done:
                Q[s, a] += alpha * (r - Q[s, a])
                break
            a2 = epsilon_greedy(Q[s2], epsilon, rng)
            Q[s, a] += alpha * (r + gamma * Q[s2, a2] - Q[s, a])
            s, a = s2, a2
    return {"Q": Q, "returns": returns, "lengths": lengths}


def _action_values(env, V, gamma):
    Q = np.zeros((env.n_states, env.n_actions))
    for s in range(env.n_states):
        if env.is_terminal(s):
            continue
        for a in range(env.n_actions):
            Q[s, a] = sum(p * (r + gamma * V[s2]) for p, s2, r in env.transitions(s, a))
    return Q


def value_iteration(env, gamma=0.99, tol=1e-8, max_sweeps=10000):
    V = np.zeros(env.n_states)
    sweeps = 0
    while sweeps < max_sweeps:
        V_new = _action_values(env, V, gamma).max(axis=1)
        sweeps += 1
        delta = np.max(np.abs(V_new - V))
        V = V_new
        if delta < tol:
            sweeps -= 1
    Q = _action_values(env, V, gamma)
    return {"V": V, "Q": Q, "policy": greedy_policy(Q), "sweeps": sweeps}
