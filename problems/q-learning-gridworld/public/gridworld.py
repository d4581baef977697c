"""The gridworld environment of q-learning-gridworld (given: do not submit it).

A layout is a list of equal-length strings, one per row:
  '.' free cell, '#' wall, 'S' start (free), 'G' and 'X' terminal cells.
States are the non-wall cells numbered in row-major order (0 .. n_states - 1).
Actions: 0 up, 1 right, 2 down, 3 left. A move into a wall or off the grid
leaves the agent where it is. Entering a terminal cell gives its reward
(terminal_rewards, default G: +1.0, X: -1.0) and ends the episode; every
other move gives step_reward. With slip > 0 the agent moves in the intended
direction with probability 1 - slip, and turns left (action (a + 3) % 4) or
right (action (a + 1) % 4) of it with probability slip / 2 each.
"""
import numpy as np

MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))   # up, right, down, left


class GridWorld:
    n_actions = 4

    def __init__(self, layout, step_reward=-0.04, terminal_rewards=None, slip=0.0):
        if not 0.0 <= slip <= 1.0:
            raise ValueError("slip must be in [0, 1]")
        rewards = {"G": 1.0, "X": -1.0} if terminal_rewards is None else dict(terminal_rewards)
        self.layout = [str(row) for row in layout]
        self.step_reward = float(step_reward)
        self.slip = float(slip)
        self.cells = [(r, c) for r, row in enumerate(self.layout)
                      for c, ch in enumerate(row) if ch != "#"]
        self.index = {cell: s for s, cell in enumerate(self.cells)}
        self.n_states = len(self.cells)
        kinds = [self.layout[r][c] for r, c in self.cells]
        starts = [s for s, ch in enumerate(kinds) if ch == "S"]
        if len(starts) != 1:
            raise ValueError("the layout needs exactly one start cell 'S'")
        self.start = starts[0]
        self.terminal = np.array([ch in rewards for ch in kinds])
        self.terminal.setflags(write=False)
        self._reward_in = [rewards.get(ch, self.step_reward) for ch in kinds]

    def is_terminal(self, s):
        """True when state s ends an episode."""
        return bool(self.terminal[s])

    def _move(self, s, a):
        r, c = self.cells[s]
        dr, dc = MOVES[a]
        nxt = self.index.get((r + dr, c + dc), s)
        return nxt, self._reward_in[nxt] if self.terminal[nxt] else self.step_reward

    def transitions(self, s, a):
        """The exact model: a list of (probability, next_state, reward) for action a in a
        non-terminal state s (intended move first, then left, then right when slip > 0)."""
        if self.slip == 0.0:
            return [(1.0, *self._move(s, a))]
        return [(1.0 - self.slip, *self._move(s, a)),
                (self.slip / 2, *self._move(s, (a + 3) % 4)),
                (self.slip / 2, *self._move(s, (a + 1) % 4))]

    def step(self, s, a, rng):
        """One move from non-terminal s: returns (next_state, reward, done).

        With slip > 0 it draws exactly one rng.random(); with slip == 0 it draws nothing."""
        if self.is_terminal(s):
            raise ValueError("step from a terminal state")
        if self.slip > 0.0:
            u = rng.random()
            if u >= 1.0 - self.slip:
                a = (a + 3) % 4 if u < 1.0 - self.slip / 2 else (a + 1) % 4
        nxt, reward = self._move(s, int(a))
        return nxt, reward, self.is_terminal(nxt)
