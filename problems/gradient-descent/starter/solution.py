"""gradient-descent: full-batch, mini-batch and momentum gradient descent for
linear regression (MSE) and logistic regression (BCE).

Use NumPy only. See spec.md for the exact formulas and the shuffling protocol.
"""
import numpy as np


def mse_loss_grad(w, b, X, y):
    """Mean squared error of z = X @ w + b against y, and its gradient.

    Args:
        w: float64 (D,). b: float. X: float64 (n, D). y: float64 (n,).

    Returns:
        (loss, dw, db): loss = mean((z - y)**2) (float), dw float64 (D,), db float.
    """
    raise NotImplementedError("mse_loss_grad")


def bce_loss_grad(w, b, X, y):
    """Binary cross-entropy of sigmoid(X @ w + b) against labels y in {0, 1}, and its gradient.

    Must be numerically stable for |z| in the thousands.

    Returns:
        (loss, dw, db): loss (float), dw float64 (D,), db float.
    """
    raise NotImplementedError("bce_loss_grad")


def train(X, y, loss="mse", lr=0.1, epochs=10, batch_size=None, momentum=0.0,
          seed=0, w0=None, b0=0.0):
    """Gradient descent following the protocol of spec.md.

    Returns:
        {"w": (D,), "b": float,
         "history": (epochs + 1, D + 1) rows [w..., b] from the start and after each epoch,
         "losses": (epochs + 1,) full-data loss at each history row}
    """
    raise NotImplementedError("train")
