"""Written from spec.md alone (not from the reference)."""
import math

import torch
import torch.distributed as dist


def shard_indices(num_samples, rank, world_size, *, shuffle=False, seed=0, epoch=0):
    if shuffle:
        g = torch.Generator()
        g.manual_seed(seed + epoch)
        order = torch.randperm(num_samples, generator=g).tolist()
    else:
        order = list(range(num_samples))
    return [int(i) for i in order[rank::world_size]]


@torch.no_grad()
def broadcast_parameters(module, src=0):
    for p in module.parameters():
        dist.broadcast(p, src)
    for b in module.buffers():
        dist.broadcast(b, src)


def average_gradients(module):
    ws = dist.get_world_size()
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= ws


def ring_all_reduce(tensor):
    ws, rank = dist.get_world_size(), dist.get_rank()
    if ws == 1:
        return tensor
    nxt, prv = (rank + 1) % ws, (rank - 1) % ws
    n = tensor.numel()
    size = math.ceil(n / ws)
    work = tensor.reshape(-1).clone()
    bounds = [(min(i * size, n), min((i + 1) * size, n)) for i in range(ws)]

    def piece(i):
        a, b = bounds[i % ws]
        return work[a:b]

    def swap(out_piece, in_len):
        incoming = torch.empty(in_len, dtype=work.dtype)
        reqs = [dist.isend(out_piece.clone(), nxt), dist.irecv(incoming, prv)]
        for r in reqs:
            r.wait()
        return incoming

    # reduce-scatter
    for k in range(ws - 1):
        out_i, in_i = rank - k, rank - k - 1
        got = swap(piece(out_i), piece(in_i).numel())
        piece(in_i).add_(got)
    # all-gather
    for k in range(ws - 1):
        out_i, in_i = rank + 1 - k, rank - k
        got = swap(piece(out_i), piece(in_i).numel())
        piece(in_i).copy_(got)
    tensor.copy_(work.view(tensor.shape))
    return tensor


def train_step(model, optimizer, loss_fn, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    average_gradients(model)
    optimizer.step()
    t = torch.tensor([loss.item()], dtype=torch.float64)
    dist.all_reduce(t)
    return float(t.item() / dist.get_world_size())


def train(model, optimizer, loss_fn, inputs, targets, *, epochs, batch_size, seed=0):
    rank, ws = dist.get_rank(), dist.get_world_size()
    broadcast_parameters(model, src=0)
    N = len(inputs)
    steps = N // (ws * batch_size)
    out = []
    for epoch in range(epochs):
        idx = shard_indices(N, rank, ws, shuffle=True, seed=seed, epoch=epoch)
        vals = []
        for s in range(steps):
            b = torch.tensor(idx[s * batch_size:(s + 1) * batch_size])
            vals.append(train_step(model, optimizer, loss_fn, inputs[b], targets[b]))
        out.append(sum(vals) / len(vals))
    return out
