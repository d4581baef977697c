"""Tensor-parallel (Megatron-style) linear layers with torch.distributed. See spec.md."""
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


# ---------------------------------------------------------------------------
# Sharding rule
# ---------------------------------------------------------------------------

def shard_sizes(n, world_size):
    """Features per rank: n // world_size each, the first n % world_size ranks one more."""
    n, world_size = int(n), int(world_size)
    if world_size < 1:
        raise ValueError(f"world_size must be >= 1, got {world_size}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    base, extra = divmod(n, world_size)
    return [base + 1 if r < extra else base for r in range(world_size)]


def _shard_range(n, rank, world_size):
    sizes = shard_sizes(n, world_size)
    start = sum(sizes[:rank])
    return sizes, start, start + sizes[rank]


def _dense_copy(t):
    """A contiguous copy of t (collectives need contiguous buffers; never touch the caller's)."""
    return t.clone(memory_format=torch.contiguous_format)


def _all_gather_last_dim(local, sizes):
    """Concatenate, along the last dim and in rank order, the (possibly uneven) shards of
    all ranks. One all_gather: shards are zero-padded to the largest size first."""
    width = max(sizes)
    n_local = local.shape[-1]
    padded = local.new_zeros(*local.shape[:-1], width)
    padded[..., :n_local] = local
    parts = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(parts, padded)
    return torch.cat([p[..., :s] for p, s in zip(parts, sizes)], dim=-1)


# ---------------------------------------------------------------------------
# Autograd-aware communication
# ---------------------------------------------------------------------------

class _CopyToParallelRegion(torch.autograd.Function):
    """f: identity forward; all-reduce (sum) of the gradient in backward."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        grad = _dense_copy(grad)
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad


class _ReduceFromParallelRegion(torch.autograd.Function):
    """g: all-reduce (sum) forward; identity backward."""

    @staticmethod
    def forward(ctx, x):
        out = _dense_copy(x)
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad


class _GatherFromParallelRegion(torch.autograd.Function):
    """Concatenate the last-dim shards of all ranks (forward); backward keeps this rank's slice."""

    @staticmethod
    def forward(ctx, local, sizes, start, stop):
        ctx.start, ctx.stop = start, stop
        return _all_gather_last_dim(local, sizes)

    @staticmethod
    def backward(ctx, grad):
        return grad[..., ctx.start:ctx.stop], None, None, None


class _ScatterToParallelRegion(torch.autograd.Function):
    """Take this rank's last-dim slice (forward, no communication); backward gathers the
    slices' gradients of all ranks into the full input gradient (one all_gather)."""

    @staticmethod
    def forward(ctx, x, sizes, start, stop):
        ctx.sizes = sizes
        return _dense_copy(x[..., start:stop])

    @staticmethod
    def backward(ctx, grad):
        return _all_gather_last_dim(grad, ctx.sizes), None, None, None


def copy_to_parallel_region(x):
    """f: identity forward, all-reduce (sum) of the gradient in backward."""
    return _CopyToParallelRegion.apply(x)


def reduce_from_parallel_region(x):
    """g: all-reduce (sum) forward, identity backward."""
    return _ReduceFromParallelRegion.apply(x)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

def _full_parameters(in_features, out_features, bias, full_weight, full_bias):
    """The full (W, b) of the unsharded layer, detached: given, or drawn like nn.Linear."""
    if full_weight is None:
        ref = nn.Linear(in_features, out_features, bias=bias)
        return ref.weight.detach(), (ref.bias.detach() if bias else None)
    full_weight = torch.as_tensor(full_weight).detach()
    if tuple(full_weight.shape) != (out_features, in_features):
        raise ValueError(f"full_weight has shape {tuple(full_weight.shape)}, "
                         f"expected {(out_features, in_features)}")
    if not bias:
        return full_weight, None
    if full_bias is None:
        raise ValueError("full_bias is required when full_weight is given and bias=True")
    full_bias = torch.as_tensor(full_bias).detach()
    if tuple(full_bias.shape) != (out_features,):
        raise ValueError(f"full_bias has shape {tuple(full_bias.shape)}, expected {(out_features,)}")
    return full_weight, full_bias.to(full_weight.dtype)


def _param(t):
    return nn.Parameter(_dense_copy(t.detach()))


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------

class ColumnParallelLinear(nn.Module):
    """Shards the output features; weight (local_out, in_features), bias (local_out,) or None."""

    def __init__(self, in_features, out_features, bias=True, gather_output=False,
                 full_weight=None, full_bias=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.gather_output = bool(gather_output)
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.sizes, self.start, self.stop = _shard_range(self.out_features, self.rank, self.world_size)

        weight, b = _full_parameters(self.in_features, self.out_features, bias, full_weight, full_bias)
        self.weight = _param(weight[self.start:self.stop, :])
        if b is not None:
            self.bias = _param(b[self.start:self.stop])
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        x = copy_to_parallel_region(x)
        y = F.linear(x, self.weight, self.bias)
        if self.gather_output:
            y = _GatherFromParallelRegion.apply(y, self.sizes, self.start, self.stop)
        return y

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"local_out={self.stop - self.start}, bias={self.bias is not None}, "
                f"gather_output={self.gather_output}")


class RowParallelLinear(nn.Module):
    """Shards the input features; weight (out_features, local_in), full bias (out_features,) or None."""

    def __init__(self, in_features, out_features, bias=True, input_is_parallel=True,
                 full_weight=None, full_bias=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.input_is_parallel = bool(input_is_parallel)
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.sizes, self.start, self.stop = _shard_range(self.in_features, self.rank, self.world_size)

        weight, b = _full_parameters(self.in_features, self.out_features, bias, full_weight, full_bias)
        self.weight = _param(weight[:, self.start:self.stop])
        if b is not None:
            self.bias = _param(b)
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        if not self.input_is_parallel:
            x = _ScatterToParallelRegion.apply(x, self.sizes, self.start, self.stop)
        partial = F.linear(x, self.weight)
        y = reduce_from_parallel_region(partial)
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"local_in={self.stop - self.start}, bias={self.bias is not None}, "
                f"input_is_parallel={self.input_is_parallel}")


class TensorParallelMLP(nn.Module):
    """fc1 = ColumnParallelLinear -> exact GELU -> fc2 = RowParallelLinear."""

    def __init__(self, d_model, d_hidden, bias=True, fc1_weight=None, fc1_bias=None,
                 fc2_weight=None, fc2_bias=None):
        super().__init__()
        self.fc1 = ColumnParallelLinear(d_model, d_hidden, bias, gather_output=False,
                                        full_weight=fc1_weight, full_bias=fc1_bias)
        self.fc2 = RowParallelLinear(d_hidden, d_model, bias, input_is_parallel=True,
                                     full_weight=fc2_weight, full_bias=fc2_bias)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))
