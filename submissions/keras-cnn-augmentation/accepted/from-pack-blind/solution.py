"""keras-cnn-augmentation: a small CNN with seeded augmentation, trained with
a validation split and early stopping (see spec.md)."""
import math

import keras


def build_model(input_shape, num_classes, seed):
    """Return an uncompiled keras.Sequential: RandomFlip, RandomTranslation,
    Conv2D, MaxPooling2D, Conv2D, Flatten, Dense(num_classes) (logits), with
    the arguments of spec.md."""
    seed = int(seed)
    layers = keras.layers
    return keras.Sequential([
        keras.Input(tuple(input_shape)),
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomTranslation(
            height_factor=0.125, width_factor=0.125,
            fill_mode="constant", seed=seed + 1),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(8, 3, padding="valid", activation="relu"),
        layers.Flatten(),
        layers.Dense(int(num_classes)),
    ])


def train(model, x, y, *, epochs, batch_size, patience, callbacks=()):
    """Compile (Adam(0.01), sparse categorical cross-entropy from logits,
    "accuracy"), fit on the first 80 % of the rows validating on the last 20 %,
    without shuffling, with early stopping on val_loss that restores the best
    weights; the extra ``callbacks`` go before it. Return the History."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    n = len(x)
    split = int(math.floor(0.8 * n))
    # Slicing makes views/new arrays; the caller's x and y are never written to.
    x_train, y_train = x[:split], y[:split]
    x_val, y_val = x[split:], y[split:]
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=int(patience), restore_best_weights=True)
    return model.fit(
        x_train, y_train,
        validation_data=(x_val, y_val),
        epochs=int(epochs),
        batch_size=int(batch_size),
        shuffle=False,
        verbose=0,
        callbacks=list(callbacks) + [early_stopping],
    )
