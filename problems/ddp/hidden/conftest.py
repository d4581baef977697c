"""Fixtures for the ddp hidden suite (helpers live in ddp_util.py)."""
import pytest
import torch

from ddp_util import run_ranks


@pytest.fixture(scope="session", autouse=True)
def _warm_up():
    # The first optimizer step imports a lot of torch (several seconds). Do it once in
    # the parent, before any rank is forked, so the ranks inherit it.
    torch.set_num_threads(1)
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(1, 2)).sum().backward()
    opt.step()
    yield


@pytest.fixture(autouse=True)
def _single_thread():
    # One intra-op thread in the parent; every rank sets the same.
    torch.set_num_threads(1)
    yield


@pytest.fixture
def ranks(solution, tmp_path):
    """ranks(world_size, task, *args) -> per-rank result dicts (see ddp_util.run_ranks)."""

    def run(world_size, task, *args):
        return run_ranks(solution, tmp_path, world_size, task, *args)

    return run
