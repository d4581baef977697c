"""Accepted variant: gradients averaged in one flat bucket, ring all-reduce with
simultaneous isend/irecv, shards computed arithmetically."""
import torch
import torch.distributed as dist
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def shard_indices(num_samples, rank, world_size, *, shuffle=False, seed=0, epoch=0):
    if shuffle:
        perm = torch.randperm(num_samples, generator=torch.Generator().manual_seed(seed + epoch))
    else:
        perm = torch.arange(num_samples)
    positions = torch.arange(rank, num_samples, world_size)
    return perm[positions].tolist()


def broadcast_parameters(module, src=0):
    params = list(module.parameters())
    if params:
        flat = parameters_to_vector(params).detach()
        dist.broadcast(flat, src=src)
        with torch.no_grad():
            vector_to_parameters(flat, params)
    for buf in module.buffers():
        dist.broadcast(buf, src=src)


def average_gradients(module):
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    bucket = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(bucket)
    bucket /= dist.get_world_size()
    offset = 0
    for g in grads:
        g.copy_(bucket[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def ring_all_reduce(tensor):
    world, me = dist.get_world_size(), dist.get_rank()
    flat = tensor.detach().flatten().clone()
    n = flat.numel()
    # chunk c covers [starts[c], starts[c + 1])
    base, extra = divmod(n, world)
    sizes = [base + (1 if c < extra else 0) for c in range(world)]
    starts = [0]
    for s in sizes:
        starts.append(starts[-1] + s)
    view = lambda c: flat[starts[c % world]:starts[c % world + 1]]

    for phase in ("reduce", "gather"):
        for k in range(world - 1):
            send_c = (me - k) if phase == "reduce" else (me + 1 - k)
            recv_c = send_c - 1
            inbox = torch.empty_like(view(recv_c))
            out = dist.isend(view(send_c).clone(), dst=(me + 1) % world)
            inc = dist.irecv(inbox, src=(me - 1) % world)
            inc.wait()
            out.wait()
            if phase == "reduce":
                view(recv_c).add_(inbox)
            else:
                view(recv_c).copy_(inbox)
    with torch.no_grad():
        tensor.view(-1).copy_(flat) if tensor.dim() else tensor.copy_(flat[0])
    return tensor


def train_step(model, optimizer, loss_fn, inputs, targets):
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    average_gradients(model)
    optimizer.step()
    mean_loss = loss.detach().reshape(1).clone()
    dist.all_reduce(mean_loss)
    return (mean_loss / dist.get_world_size()).item()


def train(model, optimizer, loss_fn, inputs, targets, *, epochs, batch_size, seed=0):
    me, world = dist.get_rank(), dist.get_world_size()
    broadcast_parameters(model)
    steps = len(inputs) // (world * batch_size)
    per_epoch = []
    for epoch in range(epochs):
        mine = torch.tensor(shard_indices(len(inputs), me, world, shuffle=True, seed=seed, epoch=epoch))
        batches = mine[: steps * batch_size].view(steps, batch_size)
        losses = [train_step(model, optimizer, loss_fn, inputs[b], targets[b]) for b in batches]
        per_epoch.append(float(torch.tensor(losses, dtype=torch.float64).mean()))
    return per_epoch
