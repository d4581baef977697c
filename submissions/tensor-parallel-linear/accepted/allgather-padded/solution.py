"""Tensor parallel linear layers: gathers with padded all_gather, splits with explicit autograd Functions."""
import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


def shard_sizes(n, world_size):
    sizes = []
    for r in range(world_size):
        sizes.append(n // world_size + int(r < n % world_size))
    return sizes


def _bounds(n):
    rank, world = dist.get_rank(), dist.get_world_size()
    sizes = shard_sizes(n, world)
    offsets = [0]
    for s in sizes:
        offsets.append(offsets[-1] + s)
    return offsets[rank], offsets[rank + 1], sizes


def _all_gather_last(x, sizes):
    """Concatenate every rank's x along the last dim (shards of different widths)."""
    width = max(sizes)
    pad = F.pad(x, (0, width - x.shape[-1])).contiguous()
    bufs = [torch.empty_like(pad) for _ in sizes]
    dist.all_gather(bufs, pad)
    return torch.cat([b[..., :s] for b, s in zip(bufs, sizes)], dim=-1)


class CopyToRegion(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        out = g.contiguous().clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
        return out


class ReduceFromRegion(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        total = x.contiguous().clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    @staticmethod
    def backward(ctx, g):
        return g


class GatherLast(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, start, stop, sizes):
        ctx.start, ctx.stop = start, stop
        return _all_gather_last(x, sizes)

    @staticmethod
    def backward(ctx, g):
        return g[..., ctx.start:ctx.stop].clone(), None, None, None


class SplitLast(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, start, stop, sizes):
        ctx.sizes = sizes
        return x[..., start:stop].clone()

    @staticmethod
    def backward(ctx, g):
        return _all_gather_last(g, ctx.sizes), None, None, None


def copy_to_parallel_region(x):
    return CopyToRegion.apply(x)


def reduce_from_parallel_region(x):
    return ReduceFromRegion.apply(x)


def _source(in_f, out_f, bias, full_weight, full_bias):
    if full_weight is None:
        ref = nn.Linear(in_f, out_f, bias=bias)
        full_weight, full_bias = ref.weight, ref.bias
    return full_weight.detach(), (full_bias.detach() if bias else None)


class ColumnParallelLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, gather_output=False,
                 full_weight=None, full_bias=None):
        super().__init__()
        w, b = _source(in_features, out_features, bias, full_weight, full_bias)
        self.lo, self.hi, self.sizes = _bounds(out_features)
        self.gather_output = gather_output
        self.weight = nn.Parameter(w[self.lo:self.hi].clone())
        if b is not None:
            self.bias = nn.Parameter(b[self.lo:self.hi].clone())
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        y = copy_to_parallel_region(x) @ self.weight.t()
        if self.bias is not None:
            y = y + self.bias
        if self.gather_output:
            y = GatherLast.apply(y, self.lo, self.hi, self.sizes)
        return y


class RowParallelLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, input_is_parallel=True,
                 full_weight=None, full_bias=None):
        super().__init__()
        w, b = _source(in_features, out_features, bias, full_weight, full_bias)
        self.lo, self.hi, self.sizes = _bounds(in_features)
        self.input_is_parallel = input_is_parallel
        self.weight = nn.Parameter(w[:, self.lo:self.hi].clone())
        if b is not None:
            self.bias = nn.Parameter(b.clone())
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        if not self.input_is_parallel:
            x = SplitLast.apply(x, self.lo, self.hi, self.sizes)
        y = reduce_from_parallel_region(x @ self.weight.t())
        if self.bias is not None:
            y = y + self.bias
        return y


class TensorParallelMLP(nn.Module):
    def __init__(self, d_model, d_hidden, bias=True, fc1_weight=None, fc1_bias=None,
                 fc2_weight=None, fc2_bias=None):
        super().__init__()
        self.fc1 = ColumnParallelLinear(d_model, d_hidden, bias=bias, gather_output=False,
                                        full_weight=fc1_weight, full_bias=fc1_bias)
        self.fc2 = RowParallelLinear(d_hidden, d_model, bias=bias, input_is_parallel=True,
                                     full_weight=fc2_weight, full_bias=fc2_bias)

    def forward(self, x):
        h = self.fc1(x)
        h = 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))
        return self.fc2(h)
