"""Sample submission for the ``ddp`` problem: data-parallel training with torch.distributed.

Every function that communicates must be called by every rank of the default
process group, in the same order (collectives are matched by call order).
"""
from __future__ import annotations

import torch
import torch.distributed as dist


def shard_indices(num_samples, rank, world_size, *, shuffle=False, seed=0, epoch=0):
    """The dataset indices rank ``rank`` of ``world_size`` sees in one epoch.

    The epoch order is ``range(num_samples)`` or, with ``shuffle``, the permutation
    ``torch.randperm(num_samples, generator=torch.Generator().manual_seed(seed + epoch))``.
    Rank ``r`` takes every ``world_size``-th position of that order starting at ``r``,
    so the shards are disjoint, cover the dataset and differ in size by at most one.
    """
    if shuffle:
        gen = torch.Generator().manual_seed(int(seed) + int(epoch))
        order = torch.randperm(num_samples, generator=gen).tolist()
    else:
        order = list(range(num_samples))
    return order[rank::world_size]


def broadcast_parameters(module, src=0):
    """Overwrite every parameter and buffer of ``module`` with rank ``src``'s values, in place."""
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=src)


def average_gradients(module):
    """Replace each ``param.grad`` (where not None) by its mean over all ranks, in place."""
    world_size = dist.get_world_size()
    for param in module.parameters():
        if param.grad is None:
            continue
        dist.all_reduce(param.grad, op=dist.ReduceOp.SUM)
        param.grad.div_(world_size)


def ring_all_reduce(tensor):
    """Sum over ranks with send/recv: everyone sends to rank 0, rank 0 adds and sends back."""
    world_size, rank = dist.get_world_size(), dist.get_rank()
    if rank == 0:
        total = tensor.detach().clone()
        for peer in range(1, world_size):
            buf = torch.empty_like(tensor)
            dist.recv(buf, src=peer)
            total += buf
        for peer in range(1, world_size):
            dist.send(total, dst=peer)
        tensor.copy_(total)
    else:
        dist.send(tensor.contiguous(), dst=0)
        dist.recv(tensor, src=0)
    return tensor


def train_step(model, optimizer, loss_fn, inputs, targets):
    """One synchronous data-parallel step on this rank's local batch.

    Returns the mean over ranks of the local losses (a float, equal on every rank).
    """
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    average_gradients(model)
    optimizer.step()
    total = loss.detach().clone().reshape(1)
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total.item() / dist.get_world_size()


def train(model, optimizer, loss_fn, inputs, targets, *, epochs, batch_size, seed=0):
    """Data-parallel training; every rank passes the full dataset. Returns per-epoch mean losses."""
    rank, world_size = dist.get_rank(), dist.get_world_size()
    broadcast_parameters(model, src=0)
    n = inputs.shape[0]
    steps = n // (world_size * batch_size)
    history = []
    for epoch in range(epochs):
        idx = shard_indices(n, rank, world_size, shuffle=True, seed=seed, epoch=epoch)
        losses = []
        for step in range(steps):
            batch = torch.tensor(idx[step * batch_size:(step + 1) * batch_size], dtype=torch.long)
            losses.append(train_step(model, optimizer, loss_fn, inputs[batch], targets[batch]))
        history.append(sum(losses) / len(losses) if losses else float("nan"))
    return history
