"""Tensor-parallel (Megatron-style) linear layers with torch.distributed. See spec.md."""
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


def shard_sizes(n, world_size):
    """Features per rank: n // world_size each, the first n % world_size ranks one more."""
    raise NotImplementedError


def copy_to_parallel_region(x):
    """f: identity forward, all-reduce (sum) of the gradient in backward."""
    raise NotImplementedError


def reduce_from_parallel_region(x):
    """g: all-reduce (sum) forward, identity backward."""
    raise NotImplementedError


class ColumnParallelLinear(nn.Module):
    """Shards the output features; weight (local_out, in_features), bias (local_out,) or None."""

    def __init__(self, in_features, out_features, bias=True, gather_output=False,
                 full_weight=None, full_bias=None):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


class RowParallelLinear(nn.Module):
    """Shards the input features; weight (out_features, local_in), full bias (out_features,) or None."""

    def __init__(self, in_features, out_features, bias=True, input_is_parallel=True,
                 full_weight=None, full_bias=None):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


class TensorParallelMLP(nn.Module):
    """fc1 = ColumnParallelLinear -> exact GELU -> fc2 = RowParallelLinear."""

    def __init__(self, d_model, d_hidden, bias=True, fc1_weight=None, fc1_bias=None,
                 fc2_weight=None, fc2_bias=None):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError
