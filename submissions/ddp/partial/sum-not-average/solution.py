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


def ring_all_reduce(tensor):
    """Sum ``tensor`` over all ranks in place with a ring (send/recv only); returns ``tensor``.

    The flattened tensor is cut into ``world_size`` chunks with ``torch.tensor_split``.
    Reduce-scatter: in step ``s`` rank ``r`` sends chunk ``(r - s) % W`` to its right
    neighbour and adds the chunk ``(r - s - 1) % W`` it receives from its left one.
    After ``W - 1`` steps rank ``r`` holds the full sum of chunk ``(r + 1) % W``.
    All-gather: ``W - 1`` more steps pass the finished chunks around the ring.
    Even ranks send first and odd ranks receive first, so blocking calls never deadlock.
    """
    world_size = dist.get_world_size()
    if world_size == 1:
        return tensor
    rank = dist.get_rank()
    right, left = (rank + 1) % world_size, (rank - 1) % world_size
    flat = tensor.detach().reshape(-1).clone()
    chunks = list(torch.tensor_split(flat, world_size))

    def exchange(send_chunk, recv_buf):
        if rank % 2 == 0:
            dist.send(send_chunk.contiguous(), right)
            dist.recv(recv_buf, left)
        else:
            dist.recv(recv_buf, left)
            dist.send(send_chunk.contiguous(), right)

    for step in range(world_size - 1):            # reduce-scatter
        send_idx = (rank - step) % world_size
        recv_idx = (rank - step - 1) % world_size
        buf = torch.empty_like(chunks[recv_idx])
        exchange(chunks[send_idx], buf)
        chunks[recv_idx] += buf
    for step in range(world_size - 1):            # all-gather
        send_idx = (rank + 1 - step) % world_size
        recv_idx = (rank - step) % world_size
        buf = torch.empty_like(chunks[recv_idx])
        exchange(chunks[send_idx], buf)
        chunks[recv_idx].copy_(buf)
    with torch.no_grad():
        tensor.copy_(flat.view_as(tensor))
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
