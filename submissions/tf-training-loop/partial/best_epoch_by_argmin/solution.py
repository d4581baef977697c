"""A training loop written as a small trainer object: the loss by log-sum-exp,
class weights looked up in a padded table, batches from a computed count,
and a snapshot of the model's variables (trainable or not) for early stopping."""
import math

import numpy as np
import tensorflow as tf


def _table(class_weight, n_classes):
    table = np.ones(n_classes, np.float32)
    for cls, w in (class_weight or {}).items():
        table[int(cls)] = w
    return tf.constant(table)


def weighted_loss(labels, logits, class_weight=None):
    logits = tf.cast(logits, tf.float32)
    labels = tf.reshape(tf.cast(labels, tf.int64), [-1])
    picked = tf.gather(logits, labels, axis=1, batch_dims=1)
    ce = tf.reduce_logsumexp(logits, axis=1) - picked
    w = tf.gather(_table(class_weight, logits.shape[1]), labels)
    return tf.math.divide(tf.math.reduce_sum(w * ce), tf.cast(tf.size(labels), tf.float32))


def train_step(model, optimizer, x, y, class_weight=None):
    with tf.GradientTape() as tape:
        loss = weighted_loss(y, model(tf.cast(x, tf.float32), training=True), class_weight)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(list(zip(grads, model.trainable_variables)))
    return loss


def evaluate(model, x, y):
    return weighted_loss(y, model(tf.cast(x, tf.float32), training=False)).numpy().item()


class _Stopper:
    def __init__(self, model, patience):
        self.model, self.patience = model, patience
        self.best, self.best_epoch, self.bad = math.inf, 0, 0
        self.snapshot = [v.numpy() for v in model.variables]

    def update(self, epoch, val):
        """Returns True when training must stop."""
        if val < self.best:
            self.best, self.best_epoch, self.bad = val, epoch, 0
            self.snapshot = [v.numpy() for v in self.model.variables]
            return False
        self.bad += 1
        return self.bad >= self.patience

    def restore(self):
        for v, value in zip(self.model.variables, self.snapshot):
            v.assign(value)


def fit(model, optimizer, x_train, y_train, x_val, y_val, *, class_weight=None,
        epochs, batch_size, patience):
    x_train, y_train = np.asarray(x_train), np.asarray(y_train)
    n = x_train.shape[0]
    n_batches = math.ceil(n / batch_size)
    stopper = _Stopper(model, patience)
    losses, val_losses = [], []
    for epoch in range(epochs):
        weighted = []
        for b in range(n_batches):
            lo, hi = b * batch_size, min(n, (b + 1) * batch_size)
            step_loss = train_step(model, optimizer, x_train[lo:hi], y_train[lo:hi], class_weight)
            weighted.append(float(step_loss) * (hi - lo))
        losses.append(sum(weighted) / n)
        val_losses.append(evaluate(model, x_val, y_val))
        if stopper.update(epoch, val_losses[-1]):
            break
    stopper.restore()
    return {"loss": losses, "val_loss": val_losses, "best_epoch": int(np.argmin(val_losses)),
            "epochs_run": len(losses)}
