"""Hidden tests: shard_indices (pure function, no process group)."""
import numpy as np
import pytest
import torch


def _shards(solution, n, world_size, **kw):
    return [[int(i) for i in solution.shard_indices(n, r, world_size, **kw)] for r in range(world_size)]


@pytest.mark.weight(1)
@pytest.mark.parametrize("world_size", [2, 3])
def test_shards_disjoint_and_covering(solution, rng, check, world_size):
    # one even size, two uneven ones, and fewer samples than ranks
    sizes = [world_size * int(rng.integers(3, 7)) + k for k in range(world_size)] + [world_size - 1]
    for n in sizes:
        raw = solution.shard_indices(n, world_size - 1, world_size)
        assert isinstance(raw, list) and all(type(i) is int for i in raw), \
            "shard_indices returns a list of Python ints"
        shards = _shards(solution, n, world_size)
        flat = [i for s in shards for i in s]
        assert sorted(flat) == list(range(n)), "shards are not disjoint or do not cover the dataset"
        lengths = [len(s) for s in shards]
        assert max(lengths) - min(lengths) <= 1, "shard sizes differ by more than one"
        for r, s in enumerate(shards):
            check(f"n{n}/rank{r}", np.asarray(s, dtype=np.int64), exact=True)


@pytest.mark.weight(1)
def test_shuffled_shards_follow_the_epoch_permutation(solution, rng, check):
    world_size = 3
    n = int(rng.integers(20, 30))
    seed = int(rng.integers(0, 10_000))
    orders = []
    for epoch in range(3):
        shards = _shards(solution, n, world_size, shuffle=True, seed=seed, epoch=epoch)
        flat = [i for s in shards for i in s]
        assert sorted(flat) == list(range(n)), "shuffled shards are not disjoint or do not cover"
        for r, s in enumerate(shards):
            check(f"epoch{epoch}/rank{r}", np.asarray(s, dtype=np.int64), exact=True)
        orders.append(shards[0])
    assert orders[0] != orders[1], "the order does not change with the epoch"
    # the same arguments give the same shard
    again = _shards(solution, n, world_size, shuffle=True, seed=seed, epoch=1)
    check("repeat", np.asarray(again[2], dtype=np.int64), exact=True)
