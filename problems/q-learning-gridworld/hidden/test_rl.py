"""Hidden suite for q-learning-gridworld.

Every input comes from the ``rng`` fixture (seeded from the run's seed and the
test id): random layouts, rewards and slip; the generator handed to the
solution is a fresh ``default_rng`` seeded from ``rng``. Every test records
the values that matter with ``check``. gridworld.py beside this file is the
same module the candidates get in their pack.
"""
import copy

import numpy as np
import pytest

from gridworld import GridWorld

TOL = {"rtol": 1e-6, "atol": 1e-9}


# ---- environments -----------------------------------------------------------------
def any_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


def random_env(rng, rows=4, cols=5, walls=3, pits=1, slip=0.0, goals=1):
    cells = rng.permutation(rows * cols)
    grid = [["."] * cols for _ in range(rows)]
    marks = ["S"] + ["G"] * goals + ["X"] * pits + ["#"] * walls
    for mark, cell in zip(marks, cells):
        grid[cell // cols][cell % cols] = mark
    rewards = {"G": float(rng.uniform(0.5, 2.0)), "X": float(rng.uniform(-2.0, -0.5))}
    return GridWorld(["".join(row) for row in grid], step_reward=float(rng.uniform(-0.2, -0.01)),
                     terminal_rewards=rewards, slip=slip)


def env_state(env):
    return (list(env.layout), env.step_reward, env.slip, env.start, env.terminal.copy())


# ---- reading the candidate's results ----------------------------------------------
def float64_array(value, what, shape):
    arr = np.asarray(value)
    assert arr.dtype == np.float64, f"{what} must be float64"
    assert arr.shape == shape, f"{what} has the wrong shape"
    return arr


def int_array(value, what, shape):
    arr = np.asarray(value)
    assert arr.shape == shape, f"{what} has the wrong shape"
    assert arr.size == 0 or arr.dtype.kind in "iu", f"{what} must hold integers"
    return arr.astype(np.int64)


def read_run(res, env, episodes):
    assert isinstance(res, dict), "q_learning/sarsa must return a dict"
    for key in ("Q", "returns", "lengths"):
        assert key in res, f"the result has no key {key!r}"
    return {"Q": float64_array(res["Q"], "Q", (env.n_states, env.n_actions)),
            "returns": float64_array(res["returns"], "returns", (episodes,)),
            "lengths": int_array(res["lengths"], "lengths", (episodes,))}


def train(solution, algo, env, episodes, seed, **kwargs):
    fn = solution.q_learning if algo == "q" else solution.sarsa
    return read_run(fn(env, episodes, np.random.default_rng(seed), **kwargs), env, episodes)


def read_vi(res, env):
    assert isinstance(res, dict), "value_iteration must return a dict"
    for key in ("V", "Q", "policy", "sweeps"):
        assert key in res, f"the result has no key {key!r}"
    sweeps = res["sweeps"]
    assert np.ndim(sweeps) == 0 and np.asarray(sweeps).dtype.kind in "iu", "sweeps must be an int"
    return {"V": float64_array(res["V"], "V", (env.n_states,)),
            "Q": float64_array(res["Q"], "Q", (env.n_states, env.n_actions)),
            "policy": int_array(res["policy"], "policy", (env.n_states,)),
            "sweeps": int(sweeps)}


def check_run(check, name, run):
    check(name + "/Q", run["Q"], **TOL)
    check(name + "/returns", run["returns"], **TOL)
    check(name + "/lengths", run["lengths"], exact=True)


def settled_policy(env, Q, policy):
    """The policy where the best action is clear; -1 in a non-terminal state whose
    two best values are equal up to rounding (a mathematical tie: computed in
    another order it may come out either way, and the statement accepts both)."""
    top2 = np.sort(Q, axis=1)[:, -2:]
    close = top2[:, 1] - top2[:, 0] <= 1e-9 * (1.0 + np.abs(top2[:, 1]))
    return np.where(close & ~env.terminal, -1, policy)


def check_vi(check, name, vi, env):
    check(name + "/V", vi["V"], **TOL)
    check(name + "/Q", vi["Q"], **TOL)
    check(name + "/policy", settled_policy(env, vi["Q"], vi["policy"]), exact=True)
    check(name + "/sweeps", vi["sweeps"], exact=True)


def tie_rows(rng, n, n_actions=4):
    """Rows of small integers: many exact ties."""
    return rng.integers(0, 3, (n, n_actions)).astype(np.float64)


def picks(solution, rows, epsilon, g):
    return np.array([int(solution.epsilon_greedy(row.copy(), epsilon, g)) for row in rows])


# ---- epsilon-greedy and greedy policy ---------------------------------------------------
@pytest.mark.weight(2)
def test_epsilon_greedy_zero_is_greedy_lowest_index(check, rng, solution):
    rows = tie_rows(rng, 40)
    g = np.random.default_rng(any_seed(rng))
    got = picks(solution, rows, 0.0, g)
    check("actions", got, exact=True)
    check("next_draws", g.random(3), **TOL)   # one draw per call, even with epsilon = 0
    assert np.array_equal(got, np.argmax(rows, axis=1))


@pytest.mark.weight(1)
def test_epsilon_greedy_one_always_explores(check, rng, solution):
    rows = tie_rows(rng, 40)
    g = np.random.default_rng(any_seed(rng))
    check("actions", picks(solution, rows, 1.0, g), exact=True)
    check("next_draws", g.random(3), **TOL)


@pytest.mark.weight(2)
def test_epsilon_greedy_draw_order(check, rng, solution):
    rows = rng.standard_normal((60, 4))
    rows[::3] = tie_rows(rng, 20)
    g = np.random.default_rng(any_seed(rng))
    eps = float(rng.uniform(0.3, 0.7))
    check("actions", picks(solution, rows, eps, g), exact=True)
    check("next_draws", g.random(3), **TOL)


@pytest.mark.weight(1)
def test_epsilon_equal_to_the_draw_exploits(check, rng, solution):
    # u < epsilon is strict: with epsilon set to exactly the next u, the action is greedy
    rows = rng.standard_normal((12, 4))
    seed = any_seed(rng)
    g = np.random.default_rng(seed)
    got = []
    for row in rows:
        u = copy.deepcopy(g).random()   # the draw epsilon_greedy is about to make
        got.append(int(solution.epsilon_greedy(row.copy(), u, g)))
    got = np.array(got)
    check("actions", got, exact=True)
    assert np.array_equal(got, np.argmax(rows, axis=1))


@pytest.mark.weight(1)
def test_greedy_policy_ties_and_arguments_kept(check, rng, solution):
    Q = tie_rows(rng, 30)
    Q[5:10] = 0.0
    kept = Q.copy()
    pol = int_array(solution.greedy_policy(Q), "policy", (30,))
    check("policy", pol, exact=True)
    row = Q[3].copy()
    solution.epsilon_greedy(row, 0.5, np.random.default_rng(any_seed(rng)))
    assert np.array_equal(Q, kept) and np.array_equal(row, Q[3]), "the table was modified"


# ---- Q-learning and SARSA -------------------------------------------------------------
@pytest.mark.weight(2)
@pytest.mark.parametrize("algo", ["q", "sarsa"])
def test_deterministic_grid(check, rng, solution, algo):
    env = random_env(rng, rows=4, cols=5, walls=3, pits=2)
    run = train(solution, algo, env, 30, any_seed(rng), alpha=0.5, gamma=0.9, epsilon=0.2,
                max_steps=60)
    check_run(check, "run", run)


@pytest.mark.weight(2)
@pytest.mark.parametrize("algo", ["q", "sarsa"])
def test_slippery_grid(check, rng, solution, algo):
    env = random_env(rng, rows=5, cols=5, walls=4, pits=2, slip=float(rng.uniform(0.1, 0.4)))
    run = train(solution, algo, env, 30, any_seed(rng), alpha=0.3, gamma=0.95, epsilon=0.15,
                max_steps=80)
    check_run(check, "run", run)


@pytest.mark.weight(2)
@pytest.mark.parametrize("algo", ["q", "sarsa"])
def test_optimistic_init_terminal_rows_untouched(check, rng, solution, algo):
    # with q_init != 0, bootstrapping from a terminal row would add gamma * q_init
    env = random_env(rng, rows=3, cols=4, walls=1, pits=1, slip=0.2)
    q_init = float(rng.uniform(1.0, 3.0))
    run = train(solution, algo, env, 25, any_seed(rng), alpha=0.4, gamma=0.9, epsilon=0.1,
                max_steps=50, q_init=q_init)
    check_run(check, "run", run)
    term = run["Q"][env.terminal]
    check("terminal_rows", term, **TOL)
    assert np.all(term == q_init), "terminal rows must keep q_init"


@pytest.mark.weight(2)
@pytest.mark.parametrize("algo", ["q", "sarsa"])
def test_max_steps_cuts_episodes(check, rng, solution, algo):
    env = random_env(rng, rows=5, cols=6, walls=2, pits=0)
    max_steps = int(rng.integers(2, 5))
    run = train(solution, algo, env, 15, any_seed(rng), alpha=0.5, gamma=0.9, epsilon=0.3,
                max_steps=max_steps, q_init=0.5)
    check_run(check, "run", run)
    assert run["lengths"].max() <= max_steps


@pytest.mark.weight(1)
@pytest.mark.parametrize("algo", ["q", "sarsa"])
def test_epsilon_zero_and_one(check, rng, solution, algo):
    env = random_env(rng, rows=4, cols=4, walls=2, pits=1, slip=0.1)
    seed = any_seed(rng)
    greedy = train(solution, algo, env, 10, seed, alpha=0.5, gamma=0.9, epsilon=0.0, max_steps=40)
    explore = train(solution, algo, env, 10, seed, alpha=0.5, gamma=0.9, epsilon=1.0, max_steps=40)
    check_run(check, "greedy", greedy)
    check_run(check, "explore", explore)


@pytest.mark.weight(1)
@pytest.mark.parametrize("algo", ["q", "sarsa"])
def test_default_arguments(check, rng, solution, algo):
    env = random_env(rng, rows=3, cols=5, walls=2, pits=1)
    run = train(solution, algo, env, 20, any_seed(rng))
    check_run(check, "run", run)


@pytest.mark.weight(1)
def test_zero_episodes_and_generator_state(check, rng, solution):
    env = random_env(rng, rows=4, cols=4, walls=2, pits=1, slip=0.3)
    zero = train(solution, "q", env, 0, any_seed(rng), q_init=0.7)
    check_run(check, "zero", zero)
    assert np.all(zero["Q"] == 0.7)
    for algo, fn in (("q", solution.q_learning), ("sarsa", solution.sarsa)):
        g = np.random.default_rng(any_seed(rng))
        run = read_run(fn(env, 8, g, epsilon=0.3, max_steps=30), env, 8)
        check_run(check, algo, run)
        check(algo + "/next_draws", g.random(3), **TOL)


@pytest.mark.weight(1)
def test_environment_not_modified(check, rng, solution):
    env = random_env(rng, rows=4, cols=4, walls=2, pits=1, slip=0.2)
    before = env_state(env)
    q = train(solution, "q", env, 5, any_seed(rng), max_steps=30)
    s = train(solution, "sarsa", env, 5, any_seed(rng), max_steps=30)
    vi = read_vi(solution.value_iteration(env, gamma=0.9, tol=1e-6), env)
    check_run(check, "q", q)
    check_run(check, "sarsa", s)
    check_vi(check, "vi", vi, env)
    after = env_state(env)
    same = before[:4] == after[:4] and np.array_equal(before[4], after[4])
    assert same, "the environment was modified"


# ---- value iteration -------------------------------------------------------------------
@pytest.mark.weight(2)
def test_value_iteration_slippery(check, rng, solution):
    env = random_env(rng, rows=5, cols=6, walls=5, pits=2, slip=float(rng.uniform(0.1, 0.3)))
    vi = read_vi(solution.value_iteration(env, gamma=0.95, tol=1e-10), env)
    check_vi(check, "vi", vi, env)
    assert np.all(vi["V"][env.terminal] == 0.0)


@pytest.mark.weight(2)
def test_value_iteration_sweep_counts(check, rng, solution):
    # loose tolerances: one sweep more or less changes V by far more than TOL
    env = random_env(rng, rows=4, cols=5, walls=3, pits=1, slip=0.2)
    for tol in (0.3, 0.05, 1e-3):
        check_vi(check, f"tol={tol}", read_vi(solution.value_iteration(env, gamma=0.9, tol=tol), env), env)


@pytest.mark.weight(1)
def test_value_iteration_tolerance_is_strict(check, rng, solution):
    # deterministic moves: the first sweep's delta is max |reward| exactly, in any
    # summation order; with tol equal to it, delta < tol fails and a second sweep runs
    env = random_env(rng, rows=3, cols=4, walls=1, pits=1)
    first = max(abs(max(env.transitions(s, a)[0][2] for a in range(env.n_actions)))
                for s in range(env.n_states) if not env.is_terminal(s))
    vi = read_vi(solution.value_iteration(env, gamma=0.5, tol=first), env)
    check_vi(check, "vi", vi, env)
    assert vi["sweeps"] >= 2


@pytest.mark.weight(1)
def test_value_iteration_max_sweeps(check, rng, solution):
    env = random_env(rng, rows=4, cols=5, walls=2, pits=1, slip=0.25)
    for cap in (1, 3):
        vi = read_vi(solution.value_iteration(env, gamma=0.9, tol=1e-12, max_sweeps=cap), env)
        check_vi(check, f"cap={cap}", vi, env)
        assert vi["sweeps"] == cap


@pytest.mark.weight(1)
def test_value_iteration_deterministic_and_defaults(check, rng, solution):
    env = random_env(rng, rows=4, cols=6, walls=4, pits=2, goals=2)
    check_vi(check, "gamma=0.8", read_vi(solution.value_iteration(env, gamma=0.8, tol=1e-9), env), env)
    check_vi(check, "defaults", read_vi(solution.value_iteration(env), env), env)


@pytest.mark.weight(1)
def test_value_iteration_bellman_optimality(check, rng, solution):
    env = random_env(rng, rows=4, cols=4, walls=2, pits=1, slip=0.3)
    gamma = 0.9
    vi = read_vi(solution.value_iteration(env, gamma=gamma, tol=1e-12), env)
    backup = np.zeros(env.n_states)
    for s in range(env.n_states):
        if not env.is_terminal(s):
            backup[s] = max(sum(p * (r + gamma * vi["V"][s2]) for p, s2, r in env.transitions(s, a))
                            for a in range(env.n_actions))
    check_vi(check, "vi", vi, env)
    assert np.max(np.abs(backup - vi["V"])) < 1e-10
    assert np.array_equal(vi["policy"], np.argmax(vi["Q"], axis=1))
