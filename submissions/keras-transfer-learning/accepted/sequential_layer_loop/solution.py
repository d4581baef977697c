"""Accepted, written differently from the reference: a Sequential wrapper
instead of the functional API, freezing done layer by layer, the top layers
picked by position from the end, and a custom GradientTape loop for phase 2."""
import numpy as np
import tensorflow as tf
import keras


def build_model(base, num_classes):
    base.trainable = False
    model = keras.Sequential([
        keras.Input(shape=base.inputs[0].shape[1:]),
        base,
        keras.layers.Dense(num_classes, activation="softmax", name="head"),
    ])
    return model


def _sgd(lr):
    return keras.optimizers.SGD(learning_rate=lr, momentum=0.9)


def train_head(model, base, x, y, *, epochs, batch_size, learning_rate):
    for layer in base.layers:
        layer.trainable = False
    model.compile(optimizer=_sgd(learning_rate), loss="sparse_categorical_crossentropy")
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False,
                     verbose=0).history


def fine_tune(model, base, x, y, *, n_unfreeze, epochs, batch_size, learning_rate):
    base.trainable = True
    count = len(base.layers)
    for pos, layer in enumerate(base.layers):
        from_top = count - pos  # 1 for the last layer
        is_bn = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = (from_top <= n_unfreeze) and not is_bn
    # Custom loop instead of fit: same optimizer, loss, batches and loss bookkeeping.
    optimizer = _sgd(learning_rate)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    variables = model.trainable_variables
    x = np.asarray(x, np.float32)
    y = np.asarray(y)
    n = len(x)
    history = {"loss": []}
    for _ in range(epochs):
        total = 0.0
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            total += float(loss) * len(xb)
        history["loss"].append(total / n)
    return history
