import numpy as np
import keras
from keras import layers


def build_model(input_shape, num_classes, seed):
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(0.125, 0.125, fill_mode="constant", seed=seed + 1),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(num_classes),
        ]
    )


class KeepBest(keras.callbacks.Callback):
    def __init__(self, patience):
        super().__init__()
        self.patience = patience

    def on_train_begin(self, logs=None):
        self.best, self.best_weights, self.bad_epochs = np.inf, None, 0

    def on_epoch_end(self, epoch, logs=None):
        current = logs["val_loss"]
        if current < self.best:
            self.best, self.bad_epochs = current, 0
            self.best_weights = self.model.get_weights()
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def train(model, x, y, *, epochs, batch_size, patience, callbacks=()):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=False,
                     validation_split=0.2, callbacks=[*callbacks, KeepBest(patience)])
