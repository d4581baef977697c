"""Helpers for the hidden suite: the statement's split rule, inputs, the unsharded reference."""
import numpy as np
import torch

RTOL, ATOL = 1e-7, 1e-9           # float64: any summation order passes, a wrong term does not


def split(n, world_size):
    """The statement's rule, written independently: [(start, stop)] per rank."""
    sizes = [n // world_size + (1 if r < n % world_size else 0) for r in range(world_size)]
    bounds = np.cumsum([0] + sizes)
    return [(int(bounds[r]), int(bounds[r + 1])) for r in range(world_size)]


def t(rng, *shape, scale=1.0, dtype=torch.float64):
    return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape))).to(dtype)


def close(a, b, rtol=RTOL, atol=ATOL):
    a, b = np.asarray(a), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def linear_ref(x, w, b, grad):
    """Unsharded x @ w.T + b and the gradients of (y * grad).sum()."""
    x, w = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
    b = None if b is None else b.clone().requires_grad_(True)
    y = torch.nn.functional.linear(x, w, b)
    (y * grad).sum().backward()
    return y.detach(), x.grad, w.grad, (None if b is None else b.grad)


def cat(results, key, dim):
    return np.concatenate([r[key] for r in results], axis=dim)


def sgd_step(params, bufs, lr, momentum):
    """torch.optim.SGD(lr, momentum)'s update, written out (torch.optim's first step imports
    torch._dynamo: seconds per run)."""
    with torch.no_grad():
        for i, p in enumerate(params):
            bufs[i] = p.grad.clone() if bufs[i] is None else bufs[i].mul_(momentum).add_(p.grad)
            p.sub_(lr * bufs[i])
