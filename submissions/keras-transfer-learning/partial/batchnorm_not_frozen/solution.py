"""Reference solution for keras-transfer-learning.

Two-phase transfer learning with Keras 3:

1. ``build_model``: freeze the whole base network and put a softmax ``Dense``
   head named "head" on its output.
2. ``train_head``: compile (SGD with momentum) and fit: only the head learns.
3. ``fine_tune``: unfreeze the top ``n_unfreeze`` layers of the base, except
   BatchNormalization layers, which stay frozen so they keep running in
   inference mode; then **recompile** (the trainable set is fixed when Keras
   builds its train function) with the lower learning rate and fit again.
"""
from __future__ import annotations

import keras


def _compile(model: keras.Model, learning_rate: float) -> None:
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(),
    )


def _freeze_weight_layers(base):
    """Freeze the layers that hold the learned filters (convolutions and dense)."""
    for layer in base.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            layer.trainable = False


def build_model(base: keras.Model, num_classes: int) -> keras.Model:
    """Frozen ``base`` followed by ``Dense(num_classes, softmax, name="head")``."""
    _freeze_weight_layers(base)
    inputs = keras.Input(shape=tuple(base.inputs[0].shape[1:]))
    features = base(inputs, training=False)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(features)
    return keras.Model(inputs, outputs, name="transfer_model")


def train_head(model, base, x, y, *, epochs, batch_size, learning_rate) -> dict:
    """Phase 1: the base stays frozen, only the head trains."""
    _freeze_weight_layers(base)
    _compile(model, learning_rate)
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0)
    return history.history


def fine_tune(model, base, x, y, *, n_unfreeze, epochs, batch_size, learning_rate) -> dict:
    """Phase 2: unfreeze the top ``n_unfreeze`` base layers (BatchNorm excluded),
    recompile with ``learning_rate`` and train again."""
    base.trainable = True  # the container must be trainable for any sublayer to be
    layers = base.layers
    top = set(range(len(layers) - n_unfreeze, len(layers))) if n_unfreeze > 0 else set()
    for i, layer in enumerate(layers):
        layer.trainable = i in top and not isinstance(layer, keras.layers.BatchNormalization)
    _compile(model, learning_rate)  # trainable changed: recompile so it takes effect
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0)
    return history.history
