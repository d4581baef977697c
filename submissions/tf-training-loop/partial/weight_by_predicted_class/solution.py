"""Reference solution for tf-training-loop.

A custom TensorFlow training loop: class-weighted sparse cross-entropy,
one optimizer step per batch with ``tf.GradientTape``, a validation pass after
every epoch, and early stopping on the validation loss that restores the
weights of the best epoch.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf


def _weight_vector(class_weight, num_classes: int) -> tf.Tensor:
    """Class weights as a float32 vector indexed by class id (1.0 when None)."""
    if class_weight is None:
        return tf.ones([num_classes], tf.float32)
    return tf.constant([float(class_weight[c]) for c in range(num_classes)], tf.float32)


def weighted_loss(labels, logits, class_weight=None) -> tf.Tensor:
    """(1/B) * sum_i class_weight[labels[i]] * CE_i, a float32 scalar."""
    logits = tf.convert_to_tensor(logits, tf.float32)
    labels = tf.cast(tf.convert_to_tensor(labels), tf.int32)
    per_sample = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
    weights = tf.gather(_weight_vector(class_weight, int(logits.shape[-1])), predicted)
    # Weight each sample first, then average over the batch size.
    return tf.reduce_sum(weights * per_sample) / tf.cast(tf.shape(labels)[0], tf.float32)


def train_step(model, optimizer, x, y, class_weight=None) -> tf.Tensor:
    """One forward pass in training mode, one optimizer step; returns the batch loss."""
    x = tf.convert_to_tensor(x, tf.float32)
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = weighted_loss(y, logits, class_weight)
    variables = model.trainable_variables
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss


def evaluate(model, x, y) -> float:
    """Unweighted mean cross-entropy of the model in inference mode."""
    logits = model(tf.convert_to_tensor(x, tf.float32), training=False)
    return float(weighted_loss(y, logits, None).numpy())


def fit(model, optimizer, x_train, y_train, x_val, y_val, *, class_weight=None,
        epochs: int, batch_size: int, patience: int) -> dict:
    """Train with early stopping on val_loss; restore the best epoch's weights."""
    n = len(x_train)
    history = {"loss": [], "val_loss": []}
    best_loss = float("inf")
    best_epoch = 0
    best_weights = [w.copy() for w in model.get_weights()]
    wait = 0
    epochs_run = 0
    for epoch in range(epochs):
        total = 0.0
        for start in range(0, n, batch_size):
            xb = x_train[start:start + batch_size]
            yb = y_train[start:start + batch_size]
            loss = train_step(model, optimizer, xb, yb, class_weight)
            total += float(loss.numpy()) * len(xb)
        history["loss"].append(total / n)
        val_loss = evaluate(model, x_val, y_val)
        history["val_loss"].append(val_loss)
        epochs_run = epoch + 1
        if val_loss < best_loss:
            best_loss, best_epoch, wait = val_loss, epoch, 0
            best_weights = [w.copy() for w in model.get_weights()]
        else:
            wait += 1
            if wait >= patience:
                break
    model.set_weights(best_weights)
    history["best_epoch"] = best_epoch
    history["epochs_run"] = epochs_run
    return history
