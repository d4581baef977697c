import numpy as np


def epsilon_greedy(q_values, epsilon, rng):
    n = len(q_values)
    u = rng.random()
    if u < epsilon:
        return int(rng.integers(n))
    best = 0
    for a in range(1, n):
        if q_values[a] > q_values[best]:
            best = a
    return best


def greedy_policy(Q):
    out = np.zeros(len(Q), dtype=np.int64)
    for s in range(len(Q)):
        out[s] = epsilon_greedy(Q[s], -1.0, _NoDraw())
    return out


class _NoDraw:
    def random(self):
        return 0.0


def q_learning(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
               q_init=0.0):
    Q = np.zeros((env.n_states, env.n_actions)) + q_init
    returns, lengths = [], []
    for _ in range(episodes):
        s = env.start
        G = 0.0
        n = 0
        done = False
        while not done and n <= max_steps:
            a = epsilon_greedy(Q[s], epsilon, rng)
            s_next, r, done = env.step(s, a, rng)
            best_next = 0.0 if done else max(Q[s_next])
            Q[s][a] = Q[s][a] + alpha * (r + gamma * best_next - Q[s][a])
            G += r
            n += 1
            s = s_next
        returns.append(G)
        lengths.append(n)
    return {"Q": Q, "returns": np.array(returns, dtype=float), "lengths": np.array(lengths, dtype=int)}


def sarsa(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
          q_init=0.0):
    Q = np.zeros((env.n_states, env.n_actions)) + q_init
    returns, lengths = [], []
    for _ in range(episodes):
        s = env.start
        a = epsilon_greedy(Q[s], epsilon, rng)
        G, n, done = 0.0, 0, False
        while not done and n < max_steps:
            s_next, r, done = env.step(s, a, rng)
            G += r
            n += 1
            if done:
                next_value = 0.0
                a_next = None
            else:
                a_next = epsilon_greedy(Q[s_next], epsilon, rng)
                next_value = Q[s_next][a_next]
            Q[s][a] = Q[s][a] + alpha * (r + gamma * next_value - Q[s][a])
            s, a = s_next, a_next
        returns.append(G)
        lengths.append(n)
    return {"Q": Q, "returns": np.array(returns, dtype=float), "lengths": np.array(lengths, dtype=int)}


def value_iteration(env, gamma=0.99, tol=1e-8, max_sweeps=10000):
    n_s, n_a = env.n_states, env.n_actions

    def backup(V):
        Q = np.zeros((n_s, n_a))
        for s in range(n_s):
            if env.is_terminal(s):
                continue
            for a in range(n_a):
                total = 0.0
                for p, s2, r in env.transitions(s, a):
                    total += p * r + p * gamma * V[s2]
                Q[s, a] = total
        return Q

    V = np.zeros(n_s)
    sweeps = 0
    delta = np.inf
    while delta >= tol and sweeps < max_sweeps:
        V_new = backup(V).max(axis=1)
        delta = np.abs(V_new - V).max()
        V = V_new
        sweeps += 1
    Q = backup(V)
    return {"V": V, "Q": Q, "policy": greedy_policy(Q), "sweeps": sweeps}
