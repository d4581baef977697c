"""Data-parallel training with torch.distributed (gloo). See spec.md.

Every function that communicates is called by every rank, in the same order,
after the caller has initialised the default process group.
"""
import torch
import torch.distributed as dist


def shard_indices(num_samples, rank, world_size, *, shuffle=False, seed=0, epoch=0):
    """Indices (list of int) rank ``rank`` uses in one epoch: ``order[rank::world_size]``,
    where ``order`` is ``range(num_samples)`` or, with ``shuffle``, ``torch.randperm``
    seeded with ``seed + epoch``."""
    raise NotImplementedError


def broadcast_parameters(module, src=0):
    """Overwrite every parameter and buffer of ``module`` with rank ``src``'s values, in place."""
    raise NotImplementedError


def average_gradients(module):
    """Replace each non-None ``param.grad`` by its mean over all ranks, in place."""
    raise NotImplementedError


def ring_all_reduce(tensor):
    """Sum ``tensor`` over all ranks in place using only send/recv in a ring; return ``tensor``."""
    raise NotImplementedError


def train_step(model, optimizer, loss_fn, inputs, targets):
    """zero_grad, forward, backward, average_gradients, step; return the mean loss over ranks."""
    raise NotImplementedError


def train(model, optimizer, loss_fn, inputs, targets, *, epochs, batch_size, seed=0):
    """Broadcast from rank 0, then train on this rank's shard; return per-epoch mean losses."""
    raise NotImplementedError
