"""keras-custom-metrics: a streaming F1 metric and a warm-up + cosine learning-rate callback."""
import math

import tensorflow as tf

AVERAGES = ("macro", "micro", "weighted")


class StreamingF1(tf.keras.metrics.Metric):
    def __init__(self, num_classes, average="macro", name="f1", **kwargs):
        if num_classes < 2:
            raise ValueError("num_classes must be >= 2")
        if average not in AVERAGES:
            raise ValueError(f"average must be one of {AVERAGES}")
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.average = average
        self.tp = self.add_weight(shape=(num_classes,), initializer="zeros", name="tp")
        self.fp = self.add_weight(shape=(num_classes,), initializer="zeros", name="fp")
        self.fn = self.add_weight(shape=(num_classes,), initializer="zeros", name="fn")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = tf.reshape(tf.cast(y_true, tf.int32), [-1])
        y_pred = tf.argmax(tf.reshape(y_pred, [-1, self.num_classes]), axis=-1, output_type=tf.int32)
        w = tf.ones_like(y_true, tf.float32) if sample_weight is None else tf.reshape(tf.cast(sample_weight, tf.float32), [-1])
        true = tf.one_hot(y_true, self.num_classes) * w[:, None]
        pred = tf.one_hot(y_pred, self.num_classes) * w[:, None]
        hit = true * tf.one_hot(y_pred, self.num_classes)
        self.tp.assign_add(tf.reduce_sum(hit, axis=0))
        self.fp.assign_add(tf.reduce_sum(pred - hit, axis=0))
        self.fn.assign_add(tf.reduce_sum(true - hit, axis=0))

    def result(self):
        tp, fp, fn = self.tp, self.fp, self.fn
        if self.average == "micro":
            tp, fp, fn = tf.reduce_sum(tp), tf.reduce_sum(fp), tf.reduce_sum(fn)
        denom = 2.0 * tp + fp + fn
        f1 = tf.math.divide_no_nan(2.0 * tp, denom)
        if self.average == "micro":
            return f1
        if self.average == "weighted":
            support = tp + fn
            return tf.math.divide_no_nan(tf.reduce_sum(f1 * support), tf.reduce_sum(support))
        present = tf.cast(denom > 0, tf.float32)
        return tf.math.divide_no_nan(tf.reduce_sum(f1 * present), tf.reduce_sum(present))

    def reset_state(self):
        for v in (self.tp, self.fp, self.fn):
            v.assign(tf.zeros_like(v))

    def builtin(self):
        return tf.keras.metrics.F1Score(average=self.average)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "average": self.average}


class WarmupCosine(tf.keras.callbacks.Callback):
    def __init__(self, peak_lr, total_steps, warmup_steps=0, min_lr=0.0):
        super().__init__()
        if not 0 <= warmup_steps < total_steps:
            raise ValueError("need 0 <= warmup_steps < total_steps")
        if not 0 <= min_lr <= peak_lr:
            raise ValueError("need 0 <= min_lr <= peak_lr")
        self.peak_lr, self.min_lr = float(peak_lr), float(min_lr)
        self.total_steps, self.warmup_steps = int(total_steps), int(warmup_steps)
        self.step = 0

    def lr_at(self, step):
        if step < self.warmup_steps:
            return self.peak_lr * step / self.warmup_steps
        if step >= self.total_steps:
            return self.min_lr
        progress = (step - self.warmup_steps) / (self.total_steps - self.warmup_steps)
        return self.min_lr + 0.5 * (self.peak_lr - self.min_lr) * (1.0 + math.cos(math.pi * progress))

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate.assign(self.lr_at(self.step))
        self.step += 1
