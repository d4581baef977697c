import numpy as np


def epsilon_greedy(q_values, epsilon, rng):
    explore = epsilon > 0 and rng.random() < epsilon
    if explore:
        return int(rng.integers(0, q_values.shape[0]))
    best = np.flatnonzero(q_values == q_values.max())
    return int(best[0])


def greedy_policy(Q):
    Q = np.asarray(Q)
    return np.array([np.flatnonzero(row == row.max())[0] for row in Q], dtype=np.int64)


class TabularAgent:
    def __init__(self, env, alpha, gamma, epsilon, q_init, on_policy):
        self.env, self.alpha, self.gamma, self.epsilon = env, alpha, gamma, epsilon
        self.on_policy = on_policy
        self.Q = np.full((env.n_states, env.n_actions), q_init, dtype=np.float64)

    def act(self, s, rng):
        return epsilon_greedy(self.Q[s], self.epsilon, rng)

    def learn(self, s, a, target):
        self.Q[s, a] += self.alpha * (target - self.Q[s, a])

    def episode(self, rng, max_steps):
        s, total, steps = self.env.start, 0.0, 0
        a = self.act(s, rng) if self.on_policy else None
        while steps < max_steps:
            if not self.on_policy:
                a = self.act(s, rng)
            s2, r, done = self.env.step(s, a, rng)
            total += r
            steps += 1
            if done:
                self.learn(s, a, r)
                break
            if self.on_policy:
                a2 = self.act(s2, rng)
                self.learn(s, a, r + self.gamma * self.Q[s2, a2])
                a = a2
            else:
                self.learn(s, a, r + self.gamma * self.Q[s2].max())
            s = s2
        return total, steps


def _run(env, episodes, rng, alpha, gamma, epsilon, max_steps, q_init, on_policy):
    agent = TabularAgent(env, alpha, gamma, epsilon, q_init, on_policy)
    stats = [agent.episode(rng, max_steps) for _ in range(episodes)]
    returns = np.array([x[0] for x in stats], dtype=np.float64).reshape(episodes)
    lengths = np.array([x[1] for x in stats], dtype=np.int64).reshape(episodes)
    return {"Q": agent.Q, "returns": returns, "lengths": lengths}


def q_learning(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
               q_init=0.0):
    return _run(env, episodes, rng, alpha, gamma, epsilon, max_steps, q_init, False)


def sarsa(env, episodes, rng, alpha=0.1, gamma=0.99, epsilon=0.1, max_steps=100,
          q_init=0.0):
    return _run(env, episodes, rng, alpha, gamma, epsilon, max_steps, q_init, True)


def _model(env):
    S, A = env.n_states, env.n_actions
    T = np.zeros((S, A, S))
    R = np.zeros((S, A))
    live = np.array([not env.is_terminal(s) for s in range(S)])
    for s in np.flatnonzero(live):
        for a in range(A):
            for p, s2, r in env.transitions(s, a):
                T[s, a, s2] += p
                R[s, a] += p * r
    return T, R, live


def value_iteration(env, gamma=0.99, tol=1e-8, max_sweeps=10000):
    T, R, live = _model(env)
    V = np.zeros(env.n_states)
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):
        Q = (R + gamma * T @ V) * live[:, None]
        V_new = Q.max(axis=1)
        converged = np.abs(V_new - V).max() < tol
        V = V_new
        if converged:
            break
    Q = (R + gamma * T @ V) * live[:, None]
    return {"V": V, "Q": Q, "policy": greedy_policy(Q), "sweeps": sweeps}
