"""Written from spec.md alone: functional model around the given base, a
per-layer freeze helper, and fit-based training in both phases."""
import keras
from keras import layers


def _sgd(learning_rate):
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)


def _compile_and_fit(model, x, y, epochs, batch_size, learning_rate):
    model.compile(optimizer=_sgd(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    hist = model.fit(x, y, epochs=epochs, batch_size=batch_size,
                     shuffle=False, verbose=0)
    return dict(hist.history)


def build_model(base, num_classes):
    base.trainable = False
    images = keras.Input(shape=base.inputs[0].shape[1:], name="images")
    feats = base(images)
    probs = layers.Dense(num_classes, activation="softmax", name="head")(feats)
    return keras.Model(images, probs)


def train_head(model, base, x, y, *, epochs, batch_size, learning_rate):
    base.trainable = False
    model.get_layer("head").trainable = True
    return _compile_and_fit(model, x, y, epochs, batch_size, learning_rate)


def fine_tune(model, base, x, y, *, n_unfreeze, epochs, batch_size, learning_rate):
    base.trainable = True          # lets sublayers be trainable at all
    all_layers = list(base.layers)
    cut = len(all_layers) - n_unfreeze  # index of the first unfrozen layer
    for index, layer in enumerate(all_layers):
        unfreeze = index >= cut and not isinstance(layer, layers.BatchNormalization)
        layer.trainable = unfreeze
    model.get_layer("head").trainable = True
    return _compile_and_fit(model, x, y, epochs, batch_size, learning_rate)
