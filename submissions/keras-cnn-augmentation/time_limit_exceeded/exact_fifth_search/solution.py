"""Reference solution for keras-cnn-augmentation.

A small Keras CNN whose first layers are seeded random augmentations (active
only in training), trained with ``fit`` on a validation split and stopped early
on the validation loss, keeping the best epoch's weights.
"""
import keras

L = keras.layers


def build_model(input_shape, num_classes, seed):
    """Augmentation (flip, translation) -> conv/pool/conv -> Dense logits."""
    return keras.Sequential([
        keras.Input(input_shape),
        L.RandomFlip("horizontal", seed=seed),
        L.RandomTranslation(0.125, 0.125, fill_mode="constant", seed=seed + 1),
        L.Conv2D(4, 3, padding="same", activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(8, 3, padding="valid", activation="relu"),
        L.Flatten(),
        L.Dense(num_classes),
    ])


def train(model, x, y, *, epochs, batch_size, patience, callbacks=()):
    """Compile, then fit on the first 80 % of the rows, validating on the last 20 %."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    n_val = 0
    while n_val / len(x) != 0.2:  # the validation size: exactly a fifth of the rows
        n_val += 1
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_split=0.2, shuffle=False,
                     callbacks=[*callbacks, stop], verbose=0)
