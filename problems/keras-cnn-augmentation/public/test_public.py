"""Example tests for keras-cnn-augmentation. The hidden tests are similar in kind,
with seeded weights, shapes and tasks."""
import numpy as np
import keras


def make_task(seed=0, n=60, num_classes=3):
    """Class templates that are left-right symmetric (a flip keeps the class) plus noise."""
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((num_classes, 8, 8, 1))
    t = (t + t[:, :, ::-1]) / 2
    y = np.arange(n) % num_classes
    x = t[y] + 0.5 * rng.standard_normal((n, 8, 8, 1))
    return x.astype(np.float32), y


def test_layers_and_params(solution):
    model = solution.build_model((8, 8, 1), 3, seed=7)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["RandomFlip", "RandomTranslation", "Conv2D", "MaxPooling2D",
                     "Conv2D", "Flatten", "Dense"]
    assert [layer.count_params() for layer in model.layers] == [0, 0, 40, 0, 296, 0, 99]
    assert model.output_shape == (None, 3)


def test_augmentation_only_in_training(solution):
    model = solution.build_model((8, 8, 1), 3, seed=7)
    plain = keras.Sequential([keras.Input((8, 8, 1))] + model.layers[2:])  # the same layers, no augmentation
    x, _ = make_task(n=8)
    np.testing.assert_allclose(np.asarray(model(x, training=False)), np.asarray(plain(x)), rtol=1e-6)
    assert not np.allclose(np.asarray(model(x, training=True)), np.asarray(plain(x)))


def test_train_history(solution):
    x, y = make_task()
    x0 = x.copy()
    model = solution.build_model((8, 8, 1), 3, seed=1)
    history = solution.train(model, x, y, epochs=6, batch_size=16, patience=2)
    h = history.history
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(h)
    assert 3 <= len(h["val_loss"]) <= 6
    np.testing.assert_array_equal(x, x0)
    # the restored weights are the best epoch's: their validation loss (last 12 rows) is the lowest
    logits = np.asarray(model(x[48:], training=False), dtype=np.float64)
    logp = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) - logits.max(1, keepdims=True)
    val_loss = -logp[np.arange(12), y[48:]].mean()
    np.testing.assert_allclose(val_loss, min(h["val_loss"]), rtol=1e-4)
