"""Per-class sums with unsorted_segment_sum; NumPy-free schedule table built once per step."""
import math

import tensorflow as tf


class StreamingF1(tf.keras.metrics.Metric):
    def __init__(self, num_classes, average="macro", name="f1", **kwargs):
        if average not in ("macro", "micro", "weighted"):
            raise ValueError("average must be macro, micro or weighted")
        if int(num_classes) < 2:
            raise ValueError("need at least two classes")
        super().__init__(name=name, **kwargs)
        self.num_classes, self.average = int(num_classes), average
        shape = (self.num_classes,)
        self.true_pos = self.add_weight(name="true_pos", shape=shape, initializer="zeros")
        self.pred_count = self.add_weight(name="pred_count", shape=shape, initializer="zeros")
        self.true_count = self.add_weight(name="true_count", shape=shape, initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = tf.cast(tf.reshape(y_true, [-1]), tf.int32)
        y_hat = tf.cast(tf.argmax(y_pred, axis=1), tf.int32)
        w = tf.ones(tf.shape(y_true), tf.float32)
        c = self.num_classes
        correct = tf.cast(tf.equal(y_true, y_hat), tf.float32) * w
        self.true_pos.assign_add(tf.math.unsorted_segment_sum(correct, y_true, c))
        self.pred_count.assign_add(tf.math.unsorted_segment_sum(w, y_hat, c))
        self.true_count.assign_add(tf.math.unsorted_segment_sum(w, y_true, c))

    def result(self):
        tp = self.true_pos
        fp = self.pred_count - tp
        fn = self.true_count - tp
        if self.average == "micro":
            num = 2.0 * tf.reduce_sum(tp)
            den = num + tf.reduce_sum(fp) + tf.reduce_sum(fn)
            return tf.math.divide_no_nan(num, den)
        den = 2.0 * tp + fp + fn
        f1 = tf.math.divide_no_nan(2.0 * tp, den)
        if self.average == "macro":
            mask = tf.cast(den > 0.0, tf.float32)
            return tf.math.divide_no_nan(tf.reduce_sum(f1 * mask), tf.reduce_sum(mask))
        return tf.math.divide_no_nan(tf.reduce_sum(f1 * self.true_count), tf.reduce_sum(self.true_count))

    def get_config(self):
        base = super().get_config()
        return dict(base, num_classes=self.num_classes, average=self.average)


class WarmupCosine(tf.keras.callbacks.Callback):
    def __init__(self, peak_lr, total_steps, warmup_steps=0, min_lr=0.0):
        super().__init__()
        if not (0 <= warmup_steps < total_steps) or not (0 <= min_lr <= peak_lr):
            raise ValueError("bad schedule arguments")
        self.peak, self.total, self.warm, self.floor = peak_lr, total_steps, warmup_steps, min_lr
        self.step = 0

    def lr_at(self, step):
        if step < self.warm:
            return step * self.peak / self.warm
        t = min(step, self.total) - self.warm
        span = self.total - self.warm
        return self.floor + 0.5 * (self.peak - self.floor) * (1.0 + math.cos(math.pi * t / span))

    def on_train_batch_begin(self, batch, logs=None):
        lr = self.lr_at(self.step)
        self.model.optimizer.learning_rate.assign(lr)
        self.step = self.step + 1
