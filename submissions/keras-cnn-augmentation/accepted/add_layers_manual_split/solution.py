import math

import tensorflow as tf


def build_model(input_shape, num_classes, seed):
    layers = tf.keras.layers
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=input_shape))
    model.add(layers.RandomFlip(mode="horizontal", seed=seed))
    model.add(layers.RandomTranslation(height_factor=0.125, width_factor=0.125,
                                       fill_mode="constant", seed=seed + 1))
    model.add(layers.Conv2D(filters=4, kernel_size=(3, 3), padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Conv2D(filters=8, kernel_size=(3, 3), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(num_classes))
    return model


def train(model, x, y, *, epochs, batch_size, patience, callbacks=()):
    split = math.floor(0.8 * len(x))
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    early = tf.keras.callbacks.EarlyStopping("val_loss", patience=patience, restore_best_weights=True)
    return model.fit(x[:split], y[:split], batch_size=batch_size, epochs=epochs,
                     validation_data=(x[split:], y[split:]), shuffle=False, verbose=0,
                     callbacks=list(callbacks) + [early])
