"""Magnitude pruning in plain PyTorch (see spec.md)."""
import math

import torch
from torch import nn


def layerwise_masks(model, sparsity):
    """{weight name: bool mask}: floor(sparsity * numel) smallest |w| of each Linear/Conv2d weight pruned."""
    raise NotImplementedError


def global_masks(model, sparsity):
    """{weight name: bool mask}: floor(sparsity * total) smallest |w| over all Linear/Conv2d weights pruned."""
    raise NotImplementedError


def structured_channel_masks(layer, amount):
    """Bool mask of layer.weight's shape: the floor(amount * out) output channels of smallest L1 norm pruned."""
    raise NotImplementedError


def apply_masks(model, masks, optimizer=None):
    """Zero the pruned weights in place and keep them at zero through backward() and optimizer.step()."""
    raise NotImplementedError
