"""shard_sizes: the uneven split rule (no ranks needed)."""
import pytest

from tp_cases import split


@pytest.mark.weight(2)
def test_shard_sizes(solution, rng, check):
    cases = [(10, 3), (8, 3), (2, 3), (0, 2), (5, 1), (12, 4)]
    cases += [(int(rng.integers(0, 40)), int(rng.integers(1, 7))) for _ in range(12)]
    got = []
    for n, world_size in cases:
        sizes = solution.shard_sizes(n, world_size)
        assert isinstance(sizes, list) and all(type(s) is int for s in sizes), "a list of Python ints"
        expected = [stop - start for start, stop in split(n, world_size)]
        assert sizes == expected, f"shard_sizes({n}, {world_size})"
        got.append(sizes)
    check("sizes", [s for sizes in got for s in sizes], exact=True)
