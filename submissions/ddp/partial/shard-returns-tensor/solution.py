"""Data-parallel training: ReduceOp.AVG gradients, a ring built from batch_isend_irecv."""
import math

import torch
import torch.distributed as dist
from torch.distributed import P2POp, batch_isend_irecv, irecv, isend

# the point-to-point functions kept in a table made at import time
_OPS = {"send": isend, "recv": irecv}


def shard_indices(num_samples, rank, world_size, *, shuffle=False, seed=0, epoch=0):
    if shuffle:
        g = torch.Generator()
        g.manual_seed(seed + epoch)
        order = torch.randperm(num_samples, generator=g)
    else:
        order = torch.arange(num_samples)
    picked = order[rank:num_samples:world_size]
    return picked


def broadcast_parameters(module, src=0):
    tensors = [p.data for p in module.parameters()]
    tensors += [b for b in module.buffers()]
    for t in tensors:
        dist.broadcast(t, src)


def average_gradients(module):
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.AVG)


def _swap(send_buf, recv_buf, right, left):
    ops = [P2POp(_OPS["send"], send_buf, right), P2POp(_OPS["recv"], recv_buf, left)]
    for req in batch_isend_irecv(ops):
        req.wait()


def ring_all_reduce(tensor):
    world = dist.get_world_size()
    if world == 1:
        return tensor
    me = dist.get_rank()
    right, left = (me + 1) % world, (me + world - 1) % world
    n = tensor.numel()
    size = math.ceil(n / world)
    work = torch.zeros(size * world, dtype=tensor.dtype)   # padded to world equal chunks
    work[:n] = tensor.reshape(-1)
    chunk = work.view(world, size)
    incoming = torch.empty(size, dtype=tensor.dtype)
    for step in range(world - 1):
        out_id, in_id = (me - step) % world, (me - step - 1) % world
        _swap(chunk[out_id].clone(), incoming, right, left)
        chunk[in_id] += incoming
    for step in range(world - 1):
        out_id, in_id = (me + 1 - step) % world, (me - step) % world
        _swap(chunk[out_id].clone(), incoming, right, left)
        chunk[in_id] = incoming
    with torch.no_grad():
        tensor.view(-1).copy_(work[:n]) if tensor.is_contiguous() else tensor.copy_(work[:n].view(tensor.shape))
    return tensor


def train_step(model, optimizer, loss_fn, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    average_gradients(model)
    optimizer.step()
    value = torch.tensor([loss.item()], dtype=torch.float64)
    dist.all_reduce(value, op=dist.ReduceOp.AVG)
    return float(value[0])


def train(model, optimizer, loss_fn, inputs, targets, *, epochs, batch_size, seed=0):
    broadcast_parameters(model)
    rank, world = dist.get_rank(), dist.get_world_size()
    total = len(inputs)
    steps = total // (world * batch_size)
    out = []
    for epoch in range(epochs):
        mine = shard_indices(total, rank, world, shuffle=True, seed=seed, epoch=epoch)
        epoch_losses = []
        for s in range(steps):
            sel = mine[s * batch_size:(s + 1) * batch_size]
            epoch_losses.append(train_step(model, optimizer, loss_fn, inputs[sel], targets[sel]))
        out.append(sum(epoch_losses) / steps)
    return out
