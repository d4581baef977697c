"""Transfer learning without touching base.trainable: every base layer is
frozen or unfrozen by its own flag, and the model is one functional graph
built on base.inputs / base.outputs (the base's own layers, not a copy)."""
import keras


def _freeze_base(base):
    for layer in base.layers:
        layer.trainable = False


def _train(model, x, y, epochs, batch_size, learning_rate):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0,
                     shuffle=False).history


def build_model(base, num_classes):
    _freeze_base(base)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="head")(base.outputs[0])
    return keras.Model(inputs=base.inputs[0], outputs=probs)


def train_head(model, base, x, y, *, epochs, batch_size, learning_rate):
    _freeze_base(base)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0).history


def fine_tune(model, base, x, y, *, n_unfreeze, epochs, batch_size, learning_rate):
    first = len(base.layers) - n_unfreeze
    for position, layer in enumerate(base.layers):
        is_bn = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = position >= first and not is_bn
    return _train(model, x, y, epochs, batch_size, learning_rate)
