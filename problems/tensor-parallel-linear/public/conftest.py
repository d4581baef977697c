"""Fixtures for the public tests: a pool of forked ranks per world size (see tp_ranks.py)."""
import pytest
import torch

from tp_ranks import RankPool


@pytest.fixture(scope="session")
def _pools(solution, tmp_path_factory):
    # Run autograd once in the parent, before any rank is forked. (No torch.optim in this
    # suite: its first step imports torch._dynamo, seconds per run.)
    torch.set_num_threads(1)
    layer = torch.nn.Linear(2, 2).double()
    x = torch.ones(1, 2, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.mse_loss(torch.nn.functional.gelu(layer(x)), x).backward()
    pools = {}
    folder = str(tmp_path_factory.mktemp("ranks"))
    yield lambda world_size: pools.setdefault(world_size, RankPool(solution, world_size, folder))
    for pool in pools.values():
        pool.close()


@pytest.fixture
def ranks(_pools):
    """ranks(world_size, task, *args) -> per-rank result dicts: task(solution, rank, world_size, *args)."""
    torch.set_num_threads(1)
    return lambda world_size, task, *args: _pools(world_size).run(task, *args)
