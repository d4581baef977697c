"""Example tests for tf-training-loop. Run them with `judge test tf-training-loop PATH`
or `pytest` with the judge's harness plugin. The hidden tests are similar in kind."""
import numpy as np
import pytest
import tensorflow as tf


def small_model(rng, n_features=4, n_classes=2, dropout=0.0):
    layers = [tf.keras.Input((n_features,)), tf.keras.layers.Dense(8, activation="tanh")]
    if dropout:
        layers.append(tf.keras.layers.Dropout(dropout, seed=7))
    layers.append(tf.keras.layers.Dense(n_classes))
    model = tf.keras.Sequential(layers)
    model.set_weights([(0.5 * rng.standard_normal(w.shape)).astype(np.float32)
                       for w in model.get_weights()])
    return model


def test_weighted_loss_example(solution):
    logits = tf.constant([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1])
    loss = solution.weighted_loss(labels, logits, {0: 1.0, 1: 3.0})
    assert tuple(loss.shape) == ()
    assert float(loss) == pytest.approx(1.0487182, rel=1e-5)
    # no class weights: the plain mean cross-entropy
    assert float(solution.weighted_loss(labels, logits)) == pytest.approx(0.3777790, rel=1e-5)


def test_train_step_returns_loss_before_update(solution):
    rng = np.random.default_rng(0)
    model = small_model(rng)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    before = solution.weighted_loss(y, model(x, training=False), {0: 1.0, 1: 3.0})
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    loss = solution.train_step(model, opt, x, y, {0: 1.0, 1: 3.0})
    assert float(loss) == pytest.approx(float(before), rel=1e-5)
    after = solution.weighted_loss(y, model(x, training=False), {0: 1.0, 1: 3.0})
    assert float(after) < float(before)


def test_fit_history_and_early_stopping(solution):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 1.0).astype(np.int64)
    xv = rng.standard_normal((20, 4)).astype(np.float32)
    yv = (xv[:, 0] + xv[:, 1] > 1.0).astype(np.int64)
    model = small_model(rng, dropout=0.2)
    opt = tf.keras.optimizers.SGD(learning_rate=0.2, momentum=0.9)
    hist = solution.fit(model, opt, x, y, xv, yv, class_weight={1: 3.0, 0: 1.0},
                        epochs=12, batch_size=16, patience=2)
    assert set(hist) >= {"loss", "val_loss", "best_epoch", "epochs_run"}
    run = hist["epochs_run"]
    assert len(hist["loss"]) == len(hist["val_loss"]) == run
    best = hist["best_epoch"]
    assert hist["val_loss"][best] == min(hist["val_loss"])
    if run < 12:
        assert run == best + 2 + 1
    # the best weights are back in the model
    assert solution.evaluate(model, xv, yv) == pytest.approx(hist["val_loss"][best], rel=1e-5)
