"""q-learning-gridworld: epsilon-greedy, Q-learning, SARSA and value iteration (NumPy)."""
import numpy as np


def epsilon_greedy(q_values, epsilon, rng):
    q = np.asarray(q_values, dtype=np.float64)
    u = rng.random()
    if u < epsilon:
        return int(rng.integers(q.shape[0]))
    return int(np.argmax(q))


def greedy_policy(Q):
    return np.argmax(np.asarray(Q, dtype=np.float64), axis=1).astype(np.int64)


def _init(env, episodes, q_init):
    Q = np.full((env.n_states, env.n_actions), float(q_init), dtype=np.float64)
    return Q, np.zeros(episodes, dtype=np.float64), np.zeros(episodes, dtype=np.int64)


def q_learning(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
               q_init=0.0):
    Q, returns, lengths = _init(env, episodes, q_init)
    for ep in range(episodes):
        s = env.start
        total = 0.0
        steps = 0
        for _ in range(max_steps):
            a = epsilon_greedy(Q[s], epsilon, rng)
            s2, r, done = env.step(s, a, rng)
            steps += 1
            total += r
            target = r if done else r + gamma * np.max(Q[s2])
            Q[s, a] += alpha * (target - Q[s, a])
            s = s2
            if done:
                break
        returns[ep] = total
        lengths[ep] = steps
    return {"Q": Q, "returns": returns, "lengths": lengths}


def sarsa(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
          q_init=0.0):
    Q, returns, lengths = _init(env, episodes, q_init)
    for ep in range(episodes):
        s = env.start
        a = epsilon_greedy(Q[s], epsilon, rng)
        total = 0.0
        steps = 0
        for _ in range(max_steps):
            s2, r, done = env.step(s, a, rng)
            steps += 1
            total += r
            if done:
                Q[s, a] += alpha * (r - Q[s, a])
                break
            a2 = epsilon_greedy(Q[s2], epsilon, rng)
            target = r + gamma * Q[s2, a2]
            Q[s, a] += alpha * (target - Q[s, a])
            s, a = s2, a2
        returns[ep] = total
        lengths[ep] = steps
    return {"Q": Q, "returns": returns, "lengths": lengths}


def _q_from_v(env, V, gamma):
    Q = np.zeros((env.n_states, env.n_actions), dtype=np.float64)
    for s in range(env.n_states):
        if env.is_terminal(s):
            continue
        for a in range(env.n_actions):
            Q[s, a] = sum(p * (r + gamma * V[s2]) for p, s2, r in env.transitions(s, a))
    return Q


def value_iteration(env, gamma=0.99, tol=1e-8, max_sweeps=10000):
    V = np.zeros(env.n_states, dtype=np.float64)
    sweeps = 0
    while sweeps < max_sweeps:
        V_new = _q_from_v(env, V, gamma).max(axis=1)
        for s in range(env.n_states):
            if env.is_terminal(s):
                V_new[s] = 0.0
        sweeps += 1
        delta = float(np.max(np.abs(V_new - V))) if env.n_states else 0.0
        V = V_new
        if delta < tol:
            break
    Q = _q_from_v(env, V, gamma)
    return {"V": V.copy(), "Q": Q, "policy": greedy_policy(Q), "sweeps": int(sweeps)}
