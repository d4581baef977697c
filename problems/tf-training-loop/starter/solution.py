"""tf-training-loop: a custom TensorFlow training loop (see spec.md)."""
import tensorflow as tf


def weighted_loss(labels, logits, class_weight=None) -> tf.Tensor:
    """Class-weighted mean cross-entropy: (1/B) * sum_i class_weight[labels[i]] * CE_i.

    labels: int array (B,); logits: float32 (B, C); class_weight: dict {class id: weight}
    or None (all 1.0). Returns a float32 scalar tensor.
    """
    raise NotImplementedError


def train_step(model, optimizer, x, y, class_weight=None) -> tf.Tensor:
    """One forward pass with training=True in a GradientTape, one optimizer step.

    Returns the batch loss computed before the update (float32 scalar tensor).
    """
    raise NotImplementedError


def evaluate(model, x, y) -> float:
    """Unweighted mean cross-entropy of the model in inference mode (training=False)."""
    raise NotImplementedError


def fit(model, optimizer, x_train, y_train, x_val, y_val, *, class_weight=None,
        epochs, batch_size, patience) -> dict:
    """Train in order (no shuffling), validate after each epoch, early-stop on val_loss
    and restore the best epoch's weights.

    Returns {"loss": [float], "val_loss": [float], "best_epoch": int, "epochs_run": int}.
    """
    raise NotImplementedError
