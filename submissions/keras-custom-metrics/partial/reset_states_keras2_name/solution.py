"""Counts from a weighted confusion matrix; F1 as 2PR/(P+R); the callback counts at batch end."""
import math

import tensorflow as tf


class StreamingF1(tf.keras.metrics.Metric):
    def __init__(self, num_classes, average="macro", name="f1", **kwargs):
        super().__init__(name=name, **kwargs)
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        if average not in {"macro", "micro", "weighted"}:
            raise ValueError(f"unknown average {average!r}")
        self.num_classes = num_classes
        self.average = average
        self.cm = tf.Variable(tf.zeros((num_classes, num_classes)), trainable=False)

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = tf.cast(tf.reshape(y_true, [-1]), tf.int64)
        preds = tf.argmax(y_pred, axis=-1)
        weights = None if sample_weight is None else tf.cast(tf.reshape(sample_weight, [-1]), tf.float32)
        cm = tf.math.confusion_matrix(labels, preds, num_classes=self.num_classes,
                                      weights=weights, dtype=tf.float32)
        self.cm.assign_add(cm)

    def result(self):
        cm = self.cm
        tp = tf.linalg.diag_part(cm)
        predicted = tf.reduce_sum(cm, axis=0)   # tp + fp
        actual = tf.reduce_sum(cm, axis=1)      # tp + fn
        if self.average == "micro":
            tp, predicted, actual = tf.reduce_sum(tp), tf.reduce_sum(predicted), tf.reduce_sum(actual)
        precision = tf.math.divide_no_nan(tp, predicted)
        recall = tf.math.divide_no_nan(tp, actual)
        f1 = tf.math.divide_no_nan(2.0 * precision * recall, precision + recall)
        if self.average == "micro":
            return f1
        if self.average == "weighted":
            total = tf.reduce_sum(actual)
            return tf.where(total > 0, tf.reduce_sum(f1 * actual) / tf.maximum(total, 1e-30), 0.0)
        present = (predicted + actual) > 0
        n = tf.reduce_sum(tf.cast(present, tf.float32))
        return tf.where(n > 0, tf.reduce_sum(tf.where(present, f1, 0.0)) / tf.maximum(n, 1.0), 0.0)

    def reset_states(self):
        self.cm.assign(tf.zeros((self.num_classes, self.num_classes)))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, average=self.average)
        return config


class WarmupCosine(tf.keras.callbacks.Callback):
    def __init__(self, peak_lr, total_steps, warmup_steps=0, min_lr=0.0):
        super().__init__()
        if warmup_steps < 0 or warmup_steps >= total_steps:
            raise ValueError("warmup_steps must be in [0, total_steps)")
        if min_lr < 0 or min_lr > peak_lr:
            raise ValueError("min_lr must be in [0, peak_lr]")
        self.peak_lr = peak_lr
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.min_lr = min_lr
        self.step = 0

    def lr_at(self, step):
        if step >= self.total_steps:
            return float(self.min_lr)
        if step < self.warmup_steps:
            return float(self.peak_lr * (step / self.warmup_steps))
        decay_steps = self.total_steps - self.warmup_steps
        cosine = 0.5 * (1 + math.cos(math.pi * (step - self.warmup_steps) / decay_steps))
        return float(self.min_lr + (self.peak_lr - self.min_lr) * cosine)

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = self.lr_at(self.step)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
