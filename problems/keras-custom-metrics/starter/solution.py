"""keras-custom-metrics: a streaming F1 metric and a warm-up + cosine learning-rate callback (see spec.md)."""
import math

import tensorflow as tf


class StreamingF1(tf.keras.metrics.Metric):
    """Multiclass F1 over every sample seen since the last reset ("macro", "micro" or "weighted")."""

    def __init__(self, num_classes, average="macro", name="f1", **kwargs):
        super().__init__(name=name, **kwargs)
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: y_true (B,) or (B, 1) class ids, y_pred (B, C) scores, sample_weight (B,) or None."""
        raise NotImplementedError

    def result(self):
        """The F1 of the counts so far, a float32 scalar tensor (0.0 when a denominator is 0)."""
        raise NotImplementedError

    def reset_state(self):
        """Set every count back to 0."""
        raise NotImplementedError

    def get_config(self):
        """The base config plus "num_classes" and "average"."""
        raise NotImplementedError


class WarmupCosine(tf.keras.callbacks.Callback):
    """Sets the optimizer's learning rate to lr_at(step) before every training batch."""

    def __init__(self, peak_lr, total_steps, warmup_steps=0, min_lr=0.0):
        super().__init__()
        raise NotImplementedError

    def lr_at(self, step):
        """Linear warm-up from 0 over warmup_steps, then cosine decay to min_lr at total_steps."""
        raise NotImplementedError

    def on_train_batch_begin(self, batch, logs=None):
        raise NotImplementedError
