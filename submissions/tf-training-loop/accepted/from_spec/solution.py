"""Written from spec.md alone: Keras loss object with reduction="none",
a weight lookup per sample, and early stopping that keeps a snapshot."""
import numpy as np
import tensorflow as tf

_ce = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")


def _sample_weights(labels, class_weight, num_classes):
    if class_weight is None:
        return tf.ones(tf.shape(labels), tf.float32)
    table = np.ones(num_classes, np.float32)
    for cls, w in class_weight.items():
        table[int(cls)] = w
    return tf.gather(tf.constant(table), labels)


def weighted_loss(labels, logits, class_weight=None):
    logits = tf.cast(logits, tf.float32)
    labels = tf.cast(labels, tf.int64)
    per_sample = _ce(labels, logits)
    sw = _sample_weights(labels, class_weight, logits.shape[-1])
    batch = tf.cast(tf.size(labels), tf.float32)
    return tf.reduce_sum(per_sample * sw) / batch


def train_step(model, optimizer, x, y, class_weight=None):
    with tf.GradientTape() as tape:
        out = model(x, training=True)
        loss = weighted_loss(y, out, class_weight)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(list(zip(grads, model.trainable_variables)))
    return loss


def evaluate(model, x, y):
    out = model(x, training=False)
    return float(tf.reduce_mean(_ce(tf.cast(y, tf.int64), tf.cast(out, tf.float32))))


def fit(model, optimizer, x_train, y_train, x_val, y_val, *, class_weight=None,
        epochs, batch_size, patience):
    x_train = np.asarray(x_train, np.float32)
    y_train = np.asarray(y_train)
    n = x_train.shape[0]
    losses, val_losses = [], []
    best, best_epoch, wait, snapshot = np.inf, 0, 0, model.get_weights()
    for epoch in range(epochs):
        weighted_sum = 0.0
        i = 0
        while i < n:
            j = min(i + batch_size, n)
            loss = train_step(model, optimizer, x_train[i:j], y_train[i:j], class_weight)
            weighted_sum += (j - i) * float(loss)
            i = j
        losses.append(weighted_sum / n)
        v = evaluate(model, x_val, y_val)
        val_losses.append(v)
        if v < best:
            best, best_epoch, wait = v, epoch, 0
            snapshot = model.get_weights()
        else:
            wait += 1
            if wait >= patience:
                break
    model.set_weights(snapshot)
    return {"loss": losses, "val_loss": val_losses,
            "best_epoch": best_epoch, "epochs_run": len(losses)}
