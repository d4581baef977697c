"""Hidden suite for tf-training-loop: every test records the values that matter."""
import numpy as np
import pytest
import tensorflow as tf

LOSS_TOL = dict(rtol=1e-4, atol=1e-5)
WEIGHT_TOL = dict(rtol=1e-3, atol=1e-4)


def _class_weight(rng, n_classes, reverse=False, high=4.5):
    """Distinct weights in [0.5, high]; the minority classes weigh more."""
    base = np.sort(rng.uniform(0.5, high, n_classes))
    keys = range(n_classes - 1, -1, -1) if reverse else range(n_classes)
    return {int(k): float(base[k]) for k in keys}


def _logits_labels(rng, batch, n_classes):
    logits = (2.0 * rng.standard_normal((batch, n_classes))).astype(np.float32)
    labels = rng.integers(0, n_classes, batch)
    labels[:n_classes] = np.arange(n_classes)  # every class present
    return logits, labels


def _as_float_list(values):
    return [float(np.asarray(v)) for v in values]


@pytest.mark.weight(2)
def test_weighted_loss_value(solution, check, rng):
    logits, labels = _logits_labels(rng, 24, 3)
    cw = _class_weight(rng, 3)
    loss = solution.weighted_loss(tf.constant(labels), tf.constant(logits), cw)
    assert tuple(np.shape(loss)) == (), "weighted_loss must return a scalar"
    assert tf.as_dtype(loss.dtype) == tf.float32, "weighted_loss must return a float32 tensor"
    check("loss", np.asarray(loss, dtype=np.float64), **LOSS_TOL)
    # class_weight=None: every class weighs 1.0
    plain = solution.weighted_loss(tf.constant(labels), tf.constant(logits))
    check("loss_unweighted", np.asarray(plain, dtype=np.float64), **LOSS_TOL)


@pytest.mark.weight(1)
def test_weighted_loss_class_weight_dict_order(solution, check, rng):
    logits, labels = _logits_labels(rng, 20, 4)
    cw = _class_weight(rng, 4, reverse=True)  # keys inserted 3, 2, 1, 0
    loss = solution.weighted_loss(labels, logits, cw)
    check("loss", np.asarray(loss, dtype=np.float64), **LOSS_TOL)


@pytest.mark.weight(2)
def test_class_weights_scale_gradient(solution, check, rng):
    logits, labels = _logits_labels(rng, 16, 3)
    cw = _class_weight(rng, 3)
    k = int(rng.integers(0, 3))
    cw_up = dict(cw)
    cw_up[k] = 3.0 * cw[k]

    def grad(weights):
        z = tf.Variable(logits)
        with tf.GradientTape() as tape:
            loss = solution.weighted_loss(tf.constant(labels), z, weights)
        return np.asarray(tape.gradient(loss, z), dtype=np.float64)

    g, g_up = grad(cw), grad(cw_up)
    mine = labels == k
    # tripling one class's weight triples exactly that class's gradient rows
    scaled = bool(np.allclose(g_up[mine], 3.0 * g[mine], rtol=1e-4, atol=1e-6))
    assert scaled, "tripling a class weight must triple that class's gradient rows"
    others = bool(np.allclose(g_up[~mine], g[~mine], rtol=1e-4, atol=1e-6))
    assert others, "tripling a class weight must leave the other classes' gradient rows alone"
    check("grad", g, rtol=1e-4, atol=1e-6)
    check("grad_up", g_up, rtol=1e-4, atol=1e-6)


@pytest.mark.weight(2)
def test_train_step(solution, check, rng, make_model, make_data, tools):
    x, y, _ = make_data(rng, 32, 5, n_classes=3, minority=0.3)
    model = make_model(rng, 5, 12, 3, dropout=0.3)
    cw = _class_weight(rng, 3)
    opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    losses = [solution.train_step(model, opt, x[:16], y[:16], cw),
              solution.train_step(model, opt, x[16:], y[16:], cw)]
    check("losses", _as_float_list(losses), **LOSS_TOL)
    check("weights", tools.weights(model), **WEIGHT_TOL)


def _fit(solution, rng, make_model, make_data, *, n_train=64, n_val=32, n_features=6,
         n_hidden=16, n_classes=2, dropout=0.0, lr=0.1, epochs=6, batch_size=16,
         patience=100, reverse=False, noise=0.1, shift=0.3, high=4.5):
    x, y, direction = make_data(rng, n_train, n_features, n_classes, noise=noise)
    xv, yv, _ = make_data(rng, n_val, n_features, n_classes,
                          direction=direction + shift * rng.standard_normal(n_features))
    model = make_model(rng, n_features, n_hidden, n_classes, dropout=dropout)
    cw = _class_weight(rng, n_classes, reverse=reverse, high=high)
    opt = tf.keras.optimizers.SGD(learning_rate=lr, momentum=0.9)
    hist = solution.fit(model, opt, x, y, xv, yv, class_weight=cw, epochs=epochs,
                        batch_size=batch_size, patience=patience)
    return model, hist, (xv, yv)


# Noisy training labels, clean validation labels, a wide hidden layer: the
# validation loss falls, then rises as the model fits the noise.
EARLY_STOP = dict(n_train=48, n_hidden=32, lr=0.05, epochs=60, noise=0.3, shift=0.0, high=1.5)


def _check_history(check, hist):
    check("loss", _as_float_list(hist["loss"]), **LOSS_TOL)
    check("val_loss", _as_float_list(hist["val_loss"]), **LOSS_TOL)
    check("best_epoch", int(hist["best_epoch"]), exact=True)
    check("epochs_run", int(hist["epochs_run"]), exact=True)


@pytest.mark.weight(3)
def test_loss_history(solution, check, rng, make_model, make_data, tools):
    model, hist, _ = _fit(solution, rng, make_model, make_data, epochs=6, patience=50)
    lengths_ok = len(hist["loss"]) == len(hist["val_loss"]) == 6
    assert lengths_ok, "one loss and one val_loss per epoch"
    _check_history(check, hist)
    check("weights", tools.weights(model), **WEIGHT_TOL)


@pytest.mark.weight(2)
def test_early_stopping_epoch(solution, check, rng, make_model, make_data):
    patience = 3
    _, hist, _ = _fit(solution, rng, make_model, make_data, **EARLY_STOP, patience=patience)
    run, best = int(hist["epochs_run"]), int(hist["best_epoch"])
    assert len(hist["val_loss"]) == run, "one val_loss per epoch run"
    if run < EARLY_STOP["epochs"]:
        ok = run == best + patience + 1
        assert ok, "an early stop must come `patience` epochs after the best one"
    _check_history(check, hist)


@pytest.mark.weight(2)
def test_restores_best_weights(solution, check, rng, make_model, make_data, tools):
    model, hist, (xv, yv) = _fit(solution, rng, make_model, make_data, **EARLY_STOP, patience=2)
    restored = tools.ce(model, xv, yv)
    best = float(hist["val_loss"][int(hist["best_epoch"])])
    holds_best = abs(restored - best) <= 1e-4 * (1 + abs(best))
    assert holds_best, "the model does not hold the best epoch's weights"
    check("restored_val_loss", restored, **LOSS_TOL)
    check("best_epoch", int(hist["best_epoch"]), exact=True)
    check("weights", tools.weights(model), **WEIGHT_TOL)


@pytest.mark.weight(1)
def test_single_batch(solution, check, rng, make_model, make_data, tools):
    model, hist, _ = _fit(solution, rng, make_model, make_data, n_train=40, batch_size=64,
                          n_classes=3, epochs=5, patience=50, lr=0.3)
    _check_history(check, hist)
    check("weights", tools.weights(model), **WEIGHT_TOL)


@pytest.mark.weight(1)
def test_patience_larger_than_epochs(solution, check, rng, make_model, make_data, tools):
    model, hist, (xv, yv) = _fit(solution, rng, make_model, make_data, lr=0.4, epochs=5,
                                 patience=9, noise=0.2, shift=1.0)
    ran_all = int(hist["epochs_run"]) == 5
    assert ran_all, "patience larger than epochs: every epoch must run"
    _check_history(check, hist)
    check("restored_val_loss", tools.ce(model, xv, yv), **LOSS_TOL)


@pytest.mark.weight(2)
def test_dropout_in_training_mode(solution, check, rng, make_model, make_data, tools):
    model, hist, (xv, yv) = _fit(solution, rng, make_model, make_data, dropout=0.4,
                                 n_hidden=24, epochs=4, patience=50, n_classes=3)
    _check_history(check, hist)
    # inference mode is deterministic: evaluate twice, same value
    first = solution.evaluate(model, xv, yv)
    assert isinstance(first, float), "evaluate must return a Python float"
    same = float(first) == float(solution.evaluate(model, xv, yv))
    assert same, "evaluate must be deterministic (training=False)"
    check("evaluate", float(first), **LOSS_TOL)


@pytest.mark.weight(1)
def test_partial_last_batch(solution, check, rng, make_model, make_data, tools):
    model, hist, _ = _fit(solution, rng, make_model, make_data, n_train=50, batch_size=16,
                          epochs=4, patience=50, reverse=True)
    _check_history(check, hist)
    check("weights", tools.weights(model), **WEIGHT_TOL)


# ---- edge cases and state the statement names ---------------------------------------
class NanAfter(tf.keras.layers.Layer):
    """Identity in training mode, counting the training-mode calls in a
    non-trainable weight; in inference mode its output turns to NaN once
    ``limit`` training calls have been made (a diverged model, as far as the
    validation loss can tell). The counter is part of ``model.get_weights()``."""

    def __init__(self, limit, **kwargs):
        super().__init__(**kwargs)
        self.limit = float(limit)

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

    def call(self, x, training=None):
        if training:
            self.calls.assign_add(1.0)
            return x
        nan = tf.where(self.calls >= self.limit, float("nan"), 0.0)
        return x + nan


def _bn_model(rng, n_features, n_hidden, n_classes, nan_after=None):
    """Dense (no bias) -> BatchNormalization -> tanh [-> NanAfter] -> Dense logits, seeded.
    No bias before BatchNorm: its gradient is round-off, which Adam would amplify."""
    layers = [tf.keras.Input((n_features,)), tf.keras.layers.Dense(n_hidden, use_bias=False),
              tf.keras.layers.BatchNormalization(momentum=0.5),
              tf.keras.layers.Activation("tanh")]
    if nan_after is not None:
        layers.append(NanAfter(nan_after))
    layers.append(tf.keras.layers.Dense(n_classes))
    model = tf.keras.Sequential(layers)
    weights = []
    for w in model.get_weights():
        if w.ndim == 2:
            weights.append(rng.standard_normal(w.shape) / np.sqrt(w.shape[0]))
        elif w.ndim == 0:
            weights.append(np.zeros(w.shape))
        else:
            weights.append(0.1 * rng.standard_normal(w.shape))
    model.set_weights([w.astype(np.float32) for w in weights])
    return model


@pytest.mark.weight(1)
def test_zero_epochs(solution, check, rng, make_model, make_data, tools):
    x, y, _ = make_data(rng, 20, 4)
    model = make_model(rng, 4, 6, 2)
    before = tools.weights(model)
    opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    hist = solution.fit(model, opt, x, y, x, y, epochs=0, batch_size=8, patience=2)
    assert list(hist["loss"]) == [] and list(hist["val_loss"]) == [], "epochs=0: empty histories"
    check("epochs_run", int(hist["epochs_run"]), exact=True)
    same = all(np.array_equal(a, b) for a, b in zip(before, tools.weights(model)))
    assert same, "epochs=0 must leave the weights as they were"


@pytest.mark.weight(1)
def test_tie_keeps_first_epoch(solution, check, rng, make_model, make_data):
    # learning rate 0: the weights never move, every val_loss equals the first
    x, y, _ = make_data(rng, 24, 4)
    xv, yv, _ = make_data(rng, 12, 4)
    model = make_model(rng, 4, 6, 2)
    patience = int(rng.integers(1, 4))
    opt = tf.keras.optimizers.SGD(learning_rate=0.0, momentum=0.9)
    hist = solution.fit(model, opt, x, y, xv, yv, epochs=8, batch_size=8, patience=patience)
    check("best_epoch", int(hist["best_epoch"]), exact=True)
    check("epochs_run", int(hist["epochs_run"]), exact=True)
    check("val_loss", _as_float_list(hist["val_loss"]), **LOSS_TOL)


@pytest.mark.weight(2)
def test_nan_val_loss_is_no_improvement(solution, check, rng, make_data, tools):
    x, y, direction = make_data(rng, 32, 5, noise=0.0)
    xv, yv, _ = make_data(rng, 16, 5, direction=direction)
    batches, finite_epochs = 4, int(rng.integers(3, 5))
    model = _bn_model(rng, 5, 8, 2, nan_after=batches * finite_epochs)
    opt = tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    hist = solution.fit(model, opt, x, y, xv, yv, class_weight={0: 1.0, 1: 2.0},
                        epochs=20, batch_size=8, patience=2)
    check("val_loss", _as_float_list(hist["val_loss"]), **LOSS_TOL)
    check("best_epoch", int(hist["best_epoch"]), exact=True)
    check("epochs_run", int(hist["epochs_run"]), exact=True)
    # the restore brings back every weight, the layer's counter and BatchNorm's
    # moving statistics included: inference is finite again
    check("restored_val_loss", tools.ce(model, xv, yv), **LOSS_TOL)
    check("weights", tools.weights(model), **WEIGHT_TOL)


@pytest.mark.weight(2)
def test_adam_batchnorm_restore_and_resume(solution, check, rng, make_data, tools):
    x, y, direction = make_data(rng, 40, 5, noise=0.3)
    xv, yv, _ = make_data(rng, 20, 5, direction=direction)
    # validation labels inverted: the validation loss rises from the first epoch on
    # (on every seed), so training stops early and the optimizer has moved on since
    # the best epoch; with the plain labels one seed in eight trains to the last
    # epoch, where restoring the optimizer too would go unseen
    yv = 1 - yv
    model = _bn_model(rng, 5, 16, 2)
    opt = tf.keras.optimizers.Adam(learning_rate=0.02)
    hist = solution.fit(model, opt, x, y, xv, yv, class_weight={0: 1.0, 1: 1.5},
                        epochs=12, batch_size=16, patience=2)
    _check_history(check, hist)
    # all of get_weights() comes back (BatchNorm moving statistics too) ...
    check("restored", tools.weights(model), **WEIGHT_TOL)
    check("restored_val_loss", tools.ce(model, xv, yv), **LOSS_TOL)
    # ... but not the optimizer: it goes on from where training stopped
    check("iterations", int(opt.iterations.numpy()), exact=True)
    loss = solution.train_step(model, opt, x[:16], y[:16])
    check("resume_loss", float(np.asarray(loss)), **LOSS_TOL)
    check("resumed", tools.weights(model), **WEIGHT_TOL)


@pytest.mark.weight(1)
def test_tensor_inputs_default_weights_last_batch_of_one(solution, check, rng, make_model,
                                                          make_data, tools):
    x, y, direction = make_data(rng, 33, 4, n_classes=3, noise=0.1)
    xv, yv, _ = make_data(rng, 15, 4, n_classes=3, direction=direction)
    model = make_model(rng, 4, 10, 3)
    opt = tf.keras.optimizers.SGD(learning_rate=0.2)
    # tensors in, labels int32, no class_weight: every class weighs 1.0
    hist = solution.fit(model, opt, tf.constant(x), tf.constant(y, tf.int32), tf.constant(xv),
                        tf.constant(yv, tf.int32), epochs=3, batch_size=8, patience=5)
    _check_history(check, hist)
    check("weights", tools.weights(model), **WEIGHT_TOL)


class ScriptedShift(tf.keras.layers.Layer):
    """Identity in training mode, counting the training-mode calls in a non-trainable
    weight (part of ``model.get_weights()``); in inference mode it adds ``shifts[e]`` to
    the class-0 logit, ``e`` the number of epochs trained so far minus one. With the
    learning rate 0 and every validation label 0, the validation loss of epoch ``e`` is
    strictly decreasing in ``shifts[e]``: the test scripts the whole val_loss sequence."""

    def __init__(self, shifts, batches, n_classes, **kwargs):
        super().__init__(**kwargs)
        self.shifts = tf.constant(np.asarray(shifts, np.float32))
        self.batches = float(batches)
        self.onehot = tf.one_hot(0, n_classes)

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

    def call(self, x, training=None):
        if training:
            self.calls.assign_add(1.0)
            return x
        epoch = tf.cast(tf.math.floordiv(self.calls, self.batches), tf.int32) - 1
        epoch = tf.clip_by_value(epoch, 0, self.shifts.shape[0] - 1)
        return x + tf.gather(self.shifts, epoch) * self.onehot


def _scripted_shifts(rng, patience, cycles=3):
    """improve, then `cycles` times (patience - 1 worse epochs, improve), then `patience`
    worse epochs: a loop whose wait is reset on every improvement stops only at the end."""
    best = 0.0
    shifts = [best]
    for _ in range(cycles):
        shifts += [best - rng.uniform(0.3, 1.5) for _ in range(patience - 1)]
        best += rng.uniform(0.3, 0.6)
        shifts.append(best)
    shifts += [best - rng.uniform(0.3, 1.5) for _ in range(patience)]
    return shifts


@pytest.mark.weight(2)
def test_wait_resets_on_every_improvement(solution, check, rng, tools):
    patience = int(rng.integers(2, 4))
    shifts = _scripted_shifts(rng, patience)
    n_features, n_classes, batch_size, n_train = 4, 3, 8, 20  # 3 batches an epoch, the last of 4
    x = rng.standard_normal((n_train, n_features)).astype(np.float32)
    y = rng.integers(0, n_classes, n_train)
    xv = rng.standard_normal((12, n_features)).astype(np.float32)
    yv = np.zeros(12, np.int64)
    model = tf.keras.Sequential([tf.keras.Input((n_features,)), tf.keras.layers.Dense(n_classes),
                                 ScriptedShift(shifts, batches=3, n_classes=n_classes)])
    model.set_weights([(0.3 * rng.standard_normal(w.shape)).astype(np.float32) if w.ndim else w
                       for w in model.get_weights()])
    opt = tf.keras.optimizers.SGD(learning_rate=0.0)
    hist = solution.fit(model, opt, x, y, xv, yv, epochs=len(shifts) + 3, batch_size=batch_size,
                        patience=patience)
    # the script's last improvement is the best epoch; the run ends `patience` epochs later
    check("best_epoch", int(hist["best_epoch"]), exact=True)
    check("epochs_run", int(hist["epochs_run"]), exact=True)
    check("val_loss", _as_float_list(hist["val_loss"]), **LOSS_TOL)
    # the restore brings the counter back too: inference shows the best epoch's shift
    check("restored_val_loss", tools.ce(model, xv, yv), **LOSS_TOL)
    check("weights", tools.weights(model), **WEIGHT_TOL)
