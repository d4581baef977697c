import torch
import torch.distributed as dist
from torch import nn


def shard_sizes(n, world_size):
    return [len(chunk) for chunk in torch.arange(n).tensor_split(world_size)]


def _span(n):
    sizes = shard_sizes(n, dist.get_world_size())
    r = dist.get_rank()
    a = sum(sizes[:r])
    return a, a + sizes[r]


def _summed(g):
    g = g.clone()
    dist.all_reduce(g)
    return g


def copy_to_parallel_region(x):
    # identity whose gradient is summed over ranks by a tensor hook
    y = x.view_as(x) if not x.requires_grad else x * 1
    if y.requires_grad:
        y.register_hook(_summed)
    return y


class _AllReduceSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return _summed(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def reduce_from_parallel_region(x):
    return _AllReduceSum.apply(x)


def _param(src):
    p = nn.Parameter(torch.empty(src.shape, dtype=src.dtype))
    with torch.no_grad():
        p.copy_(src)
    return p


class ColumnParallelLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, gather_output=False,
                 full_weight=None, full_bias=None):
        super().__init__()
        if full_weight is None:
            init = nn.Linear(in_features, out_features, bias=bias)
            full_weight, full_bias = init.weight, init.bias
        self.a, self.b = _span(out_features)
        self.n_out, self.gather_output = out_features, gather_output
        self.weight = _param(full_weight.detach()[self.a:self.b])
        self.bias = _param(full_bias.detach()[self.a:self.b]) if bias else None

    def forward(self, x):
        y = torch.matmul(copy_to_parallel_region(x), self.weight.transpose(0, 1))
        if self.bias is not None:
            y = y + self.bias
        if self.gather_output:
            full = y.new_zeros(y.shape[:-1] + (self.n_out,))
            full[..., self.a:self.b] = y
            y = reduce_from_parallel_region(full)
        return y


class RowParallelLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True, input_is_parallel=True,
                 full_weight=None, full_bias=None):
        super().__init__()
        if full_weight is None:
            init = nn.Linear(in_features, out_features, bias=bias)
            full_weight, full_bias = init.weight, init.bias
        self.a, self.b = _span(in_features)
        self.input_is_parallel = input_is_parallel
        self.weight = _param(full_weight.detach()[:, self.a:self.b])
        self.bias = _param(full_bias.detach()) if bias else None

    def forward(self, x):
        if not self.input_is_parallel:
            x = copy_to_parallel_region(x).narrow(-1, self.a, self.b - self.a)
        partial = torch.matmul(x, self.weight.transpose(0, 1))
        y = reduce_from_parallel_region(partial)
        return y + self.bias if self.bias is not None else y


class TensorParallelMLP(nn.Module):
    def __init__(self, d_model, d_hidden, bias=True, fc1_weight=None, fc1_bias=None,
                 fc2_weight=None, fc2_bias=None):
        super().__init__()
        self.fc1 = ColumnParallelLinear(d_model, d_hidden, bias, False, fc1_weight, fc1_bias)
        self.act = nn.GELU()
        self.fc2 = RowParallelLinear(d_hidden, d_model, bias, True, fc2_weight, fc2_bias)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
