"""keras-custom-metrics: a streaming F1 metric and a warm-up + cosine learning-rate callback (see spec.md)."""
import math
import numbers

import tensorflow as tf

_AVERAGES = ("macro", "micro", "weighted")


class StreamingF1(tf.keras.metrics.Metric):
    """Multiclass F1 over every sample seen since the last reset ("macro", "micro" or "weighted")."""

    def __init__(self, num_classes, average="macro", name="f1", **kwargs):
        super().__init__(name=name, **kwargs)
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 2:
            raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
        if not isinstance(average, str) or average not in _AVERAGES:
            raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
        self.num_classes = int(num_classes)
        self.average = average
        shape = (self.num_classes,)
        self.tp = self.add_weight(shape=shape, initializer="zeros", dtype="float32", name="tp")
        self.fp = self.add_weight(shape=shape, initializer="zeros", dtype="float32", name="fp")
        self.fn = self.add_weight(shape=shape, initializer="zeros", dtype="float32", name="fn")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: y_true (B,) or (B, 1) class ids, y_pred (B, C) scores, sample_weight (B,) or None."""
        C = self.num_classes
        y_true = tf.convert_to_tensor(y_true)
        if y_true.dtype.is_floating:
            y_true = tf.round(y_true)
        y_true = tf.reshape(tf.cast(y_true, tf.int32), [-1])

        y_pred = tf.convert_to_tensor(y_pred)
        if not (y_pred.dtype.is_floating or y_pred.dtype.is_integer):
            y_pred = tf.cast(y_pred, tf.float32)
        y_pred = tf.reshape(y_pred, [-1, C])
        # argmax with ties resolved to the lowest class index
        is_max = tf.equal(y_pred, tf.reduce_max(y_pred, axis=-1, keepdims=True))
        class_ids = tf.range(C, dtype=tf.int32)[tf.newaxis, :]
        predicted = tf.reduce_min(tf.where(is_max, class_ids, C), axis=-1)

        true_1h = tf.one_hot(y_true, C, dtype=tf.float32)
        pred_1h = tf.one_hot(predicted, C, dtype=tf.float32)

        if sample_weight is None:
            weights = tf.ones_like(y_true, dtype=tf.float32)
        else:
            weights = tf.reshape(tf.cast(tf.convert_to_tensor(sample_weight), tf.float32), [-1])
            weights = tf.broadcast_to(weights, tf.shape(y_true))
        weights = weights[:, tf.newaxis]

        self.tp.assign_add(tf.reduce_sum(weights * true_1h * pred_1h, axis=0))
        self.fp.assign_add(tf.reduce_sum(weights * (1.0 - true_1h) * pred_1h, axis=0))
        self.fn.assign_add(tf.reduce_sum(weights * true_1h * (1.0 - pred_1h), axis=0))

    def result(self):
        """The F1 of the counts so far, a float32 scalar tensor (0.0 when a denominator is 0)."""
        tp = tf.cast(self.tp, tf.float32)
        fp = tf.cast(self.fp, tf.float32)
        fn = tf.cast(self.fn, tf.float32)
        if self.average == "micro":
            s_tp = tf.reduce_sum(tp)
            value = tf.math.divide_no_nan(2.0 * s_tp, 2.0 * s_tp + tf.reduce_sum(fp) + tf.reduce_sum(fn))
        else:
            denom = 2.0 * tp + fp + fn
            f1 = tf.math.divide_no_nan(2.0 * tp, denom)
            if self.average == "macro":
                present = tf.cast(denom > 0, tf.float32)
                value = tf.math.divide_no_nan(tf.reduce_sum(f1 * present), tf.reduce_sum(present))
            else:  # weighted
                support = tp + fn
                value = tf.math.divide_no_nan(tf.reduce_sum(support * f1), tf.reduce_sum(support))
        return tf.cast(tf.reshape(value, []), tf.float32)

    def reset_state(self):
        """Set every count back to 0."""
        for v in (self.tp, self.fp, self.fn):
            v.assign(tf.zeros_like(v))

    def get_config(self):
        """The base config plus "num_classes" and "average"."""
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "average": self.average})
        return config


class WarmupCosine(tf.keras.callbacks.Callback):
    """Sets the optimizer's learning rate to lr_at(step) before every training batch."""

    def __init__(self, peak_lr, total_steps, warmup_steps=0, min_lr=0.0):
        super().__init__()
        if not (0 <= warmup_steps < total_steps):
            raise ValueError(f"need 0 <= warmup_steps < total_steps, got {warmup_steps!r}, {total_steps!r}")
        if not (0 <= min_lr <= peak_lr):
            raise ValueError(f"need 0 <= min_lr <= peak_lr, got {min_lr!r}, {peak_lr!r}")
        self.peak_lr = float(peak_lr)
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.min_lr = float(min_lr)
        self.step = 0

    def lr_at(self, step):
        """Linear warm-up from 0 over warmup_steps, then cosine decay to min_lr at total_steps."""
        W, T = self.warmup_steps, self.total_steps
        step = max(step, 0)
        if step < W:
            return float(self.peak_lr * step / W)
        if step < T:
            progress = (step - W) / (T - W)
            return float(self.min_lr + (self.peak_lr - self.min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0)
        return float(self.min_lr)

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = self.lr_at(self.step)
        self.step += 1
