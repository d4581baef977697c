"""Averages the F1 of each batch instead of computing F1 from the streamed counts."""
import math

import tensorflow as tf


class StreamingF1(tf.keras.metrics.Metric):
    def __init__(self, num_classes, average="macro", name="f1", **kwargs):
        if num_classes < 2 or average not in ("macro", "micro", "weighted"):
            raise ValueError("bad arguments")
        super().__init__(name=name, **kwargs)
        self.num_classes, self.average = num_classes, average
        self.total = self.add_weight(name="total", shape=(), initializer="zeros")
        self.batches = self.add_weight(name="batches", shape=(), initializer="zeros")

    def _batch_f1(self, y_true, y_pred, w):
        c = self.num_classes
        true = tf.one_hot(y_true, c) * w[:, None]
        pred = tf.one_hot(y_pred, c) * w[:, None]
        tp = tf.reduce_sum(true * tf.one_hot(y_pred, c), 0)
        fp = tf.reduce_sum(pred, 0) - tp
        fn = tf.reduce_sum(true, 0) - tp
        if self.average == "micro":
            tp, fp, fn = tf.reduce_sum(tp), tf.reduce_sum(fp), tf.reduce_sum(fn)
        den = 2 * tp + fp + fn
        f1 = tf.math.divide_no_nan(2 * tp, den)
        if self.average == "micro":
            return f1
        if self.average == "weighted":
            return tf.math.divide_no_nan(tf.reduce_sum(f1 * (tp + fn)), tf.reduce_sum(tp + fn))
        mask = tf.cast(den > 0, tf.float32)
        return tf.math.divide_no_nan(tf.reduce_sum(f1 * mask), tf.reduce_sum(mask))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
        y_pred = tf.argmax(y_pred, -1, output_type=tf.int32)
        w = tf.ones(tf.shape(y_true)) if sample_weight is None else tf.reshape(tf.cast(sample_weight, tf.float32), [-1])
        self.total.assign_add(self._batch_f1(y_true, y_pred, w))
        self.batches.assign_add(1.0)

    def result(self):
        return tf.math.divide_no_nan(self.total, self.batches)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "average": self.average}


class WarmupCosine(tf.keras.callbacks.Callback):
    def __init__(self, peak_lr, total_steps, warmup_steps=0, min_lr=0.0):
        super().__init__()
        if not 0 <= warmup_steps < total_steps or not 0 <= min_lr <= peak_lr:
            raise ValueError("bad schedule")
        self.peak_lr, self.total_steps, self.warmup_steps, self.min_lr = peak_lr, total_steps, warmup_steps, min_lr
        self.step = 0

    def lr_at(self, step):
        if step < self.warmup_steps:
            return self.peak_lr * step / self.warmup_steps
        if step >= self.total_steps:
            return float(self.min_lr)
        frac = (step - self.warmup_steps) / (self.total_steps - self.warmup_steps)
        return self.min_lr + (self.peak_lr - self.min_lr) * 0.5 * (1 + math.cos(math.pi * frac))

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate.assign(self.lr_at(self.step))
        self.step += 1
