"""numpy-backprop: a two-layer network (affine -> ReLU -> affine -> softmax
cross-entropy, L2 regularisation) with a hand-written backward pass.

Use NumPy only. See spec.md for the exact conventions.
"""
import numpy as np


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax.

    Args:
        scores: float64 array (N, C).

    Returns:
        float64 array (N, C); every row sums to 1. Numerically stable for
        scores of any magnitude (subtract each row's maximum first).
    """
    raise NotImplementedError("softmax")


def loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray, reg: float = 0.0):
    """Loss and gradients of the two-layer network.

    Args:
        params: {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}, float64.
        X: float64 array (N, D).
        y: int array (N,), labels in 0..C-1.
        reg: L2 strength; the loss adds 0.5 * reg * (sum(W1**2) + sum(W2**2)).

    Returns:
        (loss, grads): loss is a float (mean softmax cross-entropy + L2 term);
        grads is a dict with keys "W1", "b1", "W2", "b2", each a float64
        array shaped like the parameter. ReLU'(0) is taken as 0.
    """
    raise NotImplementedError("loss_and_grads")
