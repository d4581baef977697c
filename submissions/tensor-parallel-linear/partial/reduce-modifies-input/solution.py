"""Megatron-style tensor-parallel linear layers over torch.distributed (reference)."""
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


def shard_sizes(n, world_size):
    base, extra = divmod(n, world_size)
    return [base + 1 if r < extra else base for r in range(world_size)]


def _my_range(n):
    sizes = shard_sizes(n, dist.get_world_size())
    rank = dist.get_rank()
    start = sum(sizes[:rank])
    return start, start + sizes[rank]


class _Copy(torch.autograd.Function):
    """f: identity forward, all-reduce (sum) of the gradient backward."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


class _Reduce(torch.autograd.Function):
    """g: all-reduce (sum) forward, identity backward."""

    @staticmethod
    def forward(ctx, x):
        dist.all_reduce(x)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def copy_to_parallel_region(x):
    return _Copy.apply(x)


def reduce_from_parallel_region(x):
    return _Reduce.apply(x)


def _full_params(in_features, out_features, bias, full_weight, full_bias):
    if full_weight is None:
        layer = nn.Linear(in_features, out_features, bias=bias)
        return layer.weight.detach(), layer.bias
    return full_weight.detach(), full_bias


class ColumnParallelLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, gather_output=False,
                 full_weight=None, full_bias=None):
        super().__init__()
        weight, full_bias = _full_params(in_features, out_features, bias, full_weight, full_bias)
        self.out_features = out_features
        self.gather_output = gather_output
        self.start, self.stop = _my_range(out_features)
        self.weight = nn.Parameter(weight[self.start:self.stop].clone())
        self.bias = nn.Parameter(full_bias.detach()[self.start:self.stop].clone()) if bias else None

    def forward(self, x):
        out = F.linear(copy_to_parallel_region(x), self.weight, self.bias)
        if not self.gather_output:
            return out
        return reduce_from_parallel_region(F.pad(out, (self.start, self.out_features - self.stop)))


class RowParallelLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, input_is_parallel=True,
                 full_weight=None, full_bias=None):
        super().__init__()
        weight, full_bias = _full_params(in_features, out_features, bias, full_weight, full_bias)
        self.input_is_parallel = input_is_parallel
        self.start, self.stop = _my_range(in_features)
        self.weight = nn.Parameter(weight[:, self.start:self.stop].clone())
        self.bias = nn.Parameter(full_bias.detach().clone()) if bias else None

    def forward(self, x):
        if not self.input_is_parallel:
            x = copy_to_parallel_region(x)[..., self.start:self.stop]
        out = reduce_from_parallel_region(F.linear(x, self.weight))
        return out if self.bias is None else out + self.bias


class TensorParallelMLP(nn.Module):
    def __init__(self, d_model, d_hidden, bias=True, fc1_weight=None, fc1_bias=None,
                 fc2_weight=None, fc2_bias=None):
        super().__init__()
        self.fc1 = ColumnParallelLinear(d_model, d_hidden, bias, False, fc1_weight, fc1_bias)
        self.fc2 = RowParallelLinear(d_hidden, d_model, bias, True, fc2_weight, fc2_bias)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))
