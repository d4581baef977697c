"""Example tests for keras-transfer-learning. The hidden tests are similar in kind,
with a seeded base network and task."""
import numpy as np
import keras


def make_base(seed=0):
    """The base network of spec.md, with random stand-in "pretrained" weights."""
    rng = np.random.default_rng(seed)
    L = keras.layers
    base = keras.Sequential([
        keras.Input((8, 8, 3)),
        L.Conv2D(8, 3, padding="same", name="conv1"), L.BatchNormalization(name="bn1"),
        L.ReLU(name="relu1"), L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(16, 3, padding="same", name="conv2"), L.BatchNormalization(name="bn2"),
        L.ReLU(name="relu2"),
        L.Conv2D(16, 3, padding="same", name="conv3"), L.BatchNormalization(name="bn3"),
        L.ReLU(name="relu3"), L.GlobalAveragePooling2D(name="gap"),
    ], name="base")
    for layer in base.layers:
        if isinstance(layer, L.Conv2D):  # every weight from the seed: repeatable runs
            k, b = layer.get_weights()
            layer.set_weights([rng.normal(0, np.sqrt(2 / np.prod(k.shape[:3])), k.shape),
                               np.zeros(b.shape)])
        elif isinstance(layer, L.BatchNormalization):
            n = layer.get_weights()[0].shape
            layer.set_weights([np.ones(n), np.zeros(n), rng.normal(0, 0.5, n), rng.uniform(0.5, 2, n)])
    return base


def make_data(seed=1, n=64):
    rng = np.random.default_rng(seed)
    templates = rng.standard_normal((3, 8, 8, 3))
    y = np.arange(n) % 3
    x = templates[y] + 0.5 * rng.standard_normal((n, 8, 8, 3))
    return x.astype(np.float32), y


def n_params(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def test_build_model(solution):
    base = make_base()
    model = solution.build_model(base, 3)
    assert model.output_shape == (None, 3)
    assert n_params(model.trainable_weights) == 16 * 3 + 3  # the head only
    x, _ = make_data()
    probs = np.asarray(model(x[:5], training=False))
    assert probs.shape == (5, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_two_phases(solution):
    base = make_base()
    x, y = make_data()
    model = solution.build_model(base, 3)
    frozen = [w.copy() for w in base.get_weights()]
    h1 = solution.train_head(model, base, x, y, epochs=3, batch_size=32, learning_rate=0.1)
    assert len(h1["loss"]) == 3
    for a, b in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(a, b)  # phase 1 leaves the base alone

    bn3_before = [w.copy() for w in base.get_layer("bn3").get_weights()]
    conv3_before = base.get_layer("conv3").get_weights()[0].copy()
    conv1_before = base.get_layer("conv1").get_weights()[0].copy()
    h2 = solution.fine_tune(model, base, x, y, n_unfreeze=4, epochs=2, batch_size=32,
                            learning_rate=0.01)
    assert len(h2["loss"]) == 2
    # top 4 layers: conv3 (2320 weights) trains with the head (51); bn3 stays frozen
    assert n_params(model.trainable_weights) == 2320 + 51
    assert not base.get_layer("bn3").trainable
    for a, b in zip(bn3_before, base.get_layer("bn3").get_weights()):
        np.testing.assert_array_equal(a, b)  # gamma, beta and moving statistics kept
    assert not np.array_equal(conv3_before, base.get_layer("conv3").get_weights()[0])
    np.testing.assert_array_equal(conv1_before, base.get_layer("conv1").get_weights()[0])
