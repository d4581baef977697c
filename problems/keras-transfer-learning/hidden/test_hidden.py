"""Hidden suite for keras-transfer-learning: every test records the values that matter.

One seeded transfer-learning run (``run``, shared by the tests of this module)
is snapshotted after each phase; tests read the snapshots and never touch the
model, so one test cannot disturb another.
"""
import numpy as np
import pytest
import tensorflow as tf
import keras

from conftest import ce, count, make_base, make_task, set_head, snapshot

NUM_CLASSES = 3
HEAD = dict(epochs=5, batch_size=32, learning_rate=0.1)
FINE = dict(epochs=5, batch_size=32, learning_rate=0.02)
PROB_TOL = dict(rtol=1e-4, atol=1e-6)
LOSS_TOL = dict(rtol=1e-4, atol=1e-5)
WEIGHT_TOL = dict(rtol=1e-3, atol=1e-4)


def _is_bn(layer):
    return isinstance(layer, keras.layers.BatchNormalization)


def _trainable_per_layer(base):
    return [count(layer.trainable_weights) for layer in base.layers]


class Run:
    """Build, train the head, fine-tune; snapshot everything after each phase.

    Phases run lazily and once; an exception is kept and raised again in every
    test that needs that phase, so a crash in fine_tune leaves the phase-1 tests
    their points.
    """

    def __init__(self, solution, seed):
        self.solution = solution
        self.seed = seed
        self.rng = np.random.default_rng([seed, 20_260_001])
        self.n_unfreeze = int(self.rng.choice([6, 8]))
        self.done, self.failed = [], {}

    def _base_and_task(self):
        rng = np.random.default_rng([self.seed, 7])
        base = make_base(rng)
        x, y, templates = make_task(rng, 96)
        xv, yv, _ = make_task(rng, 48, templates=templates)
        return base, (x, y), (xv, yv), rng

    def phase(self, name):
        for step in ("build", "head", "fine"):
            if step in self.failed:
                raise RuntimeError(f"the {step} phase failed: {self.failed[step]}")
            if step not in self.done:
                try:
                    getattr(self, "_" + step)()
                except Exception as exc:
                    self.failed[step] = f"{type(exc).__name__}: {exc}"[:300]
                    raise
                self.done.append(step)
            if step == name:
                return self

    def _build(self):
        self.base, (self.x, self.y), (self.xv, self.yv), rng = self._base_and_task()
        self.base_init = snapshot(self.base)
        self.model = self.solution.build_model(self.base, NUM_CLASSES)
        set_head(self.model, rng)
        self.counts_build = (count(self.model.trainable_weights), count(self.model.non_trainable_weights))

    def _head(self):
        self.hist_head = self.solution.train_head(self.model, self.base, self.x, self.y, **HEAD)
        self.base_after_head = snapshot(self.base)
        self.head_after_head = snapshot(self.model.get_layer("head"))
        self.val_after_head = ce(self.model, self.xv, self.yv)
        self.probs_after_head = np.asarray(self.model(self.xv, training=False))

    def _fine(self):
        self.hist_fine = self.solution.fine_tune(self.model, self.base, self.x, self.y,
                                                 n_unfreeze=self.n_unfreeze, **FINE)
        self.counts_fine = (count(self.model.trainable_weights), count(self.model.non_trainable_weights))
        self.per_layer_fine = _trainable_per_layer(self.base)
        self.base_after_fine = [snapshot(layer) for layer in self.base.layers]
        self.head_after_fine = snapshot(self.model.get_layer("head"))
        self.val_after_fine = ce(self.model, self.xv, self.yv)
        self.probs_fine = np.asarray(self.model(self.xv, training=False))
        # last, as a training-mode call may update BatchNorm statistics
        self.probs_fine_training = np.asarray(self.model(self.xv, training=True))


@pytest.fixture(scope="module")
def run(solution, seed):
    return Run(solution, seed)


def _floats(values):
    return [float(v) for v in values]


# ---- phase 0: the model as built ------------------------------------------------
@pytest.mark.weight(1)
def test_build_model_freezes_base(solution, check, rng):
    base = make_base(rng)
    model = solution.build_model(base, 4)
    assert model.get_layer("head") is not None
    head_params = count(model.get_layer("head").weights)
    head_only = count(model.trainable_weights) == head_params
    assert head_only, "only the head may be trainable"
    check("trainable_params", count(model.trainable_weights), exact=True)
    check("non_trainable_params", count(model.non_trainable_weights), exact=True)
    check("base_trainable_per_layer", _trainable_per_layer(base), exact=True)


@pytest.mark.weight(2)
def test_head_output_shape_and_softmax(solution, check, rng):
    base = make_base(rng)
    num_classes = int(rng.integers(2, 6))
    model = solution.build_model(base, num_classes)
    set_head(model, rng)
    x, _, _ = make_task(rng, 10, num_classes=num_classes)
    probs = np.asarray(model(tf.constant(x), training=False), dtype=np.float64)
    assert probs.shape == (10, num_classes)
    is_softmax = bool(np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5))
    assert is_softmax, "the head must output probabilities (softmax)"
    check("probs", probs, **PROB_TOL)
    # a frozen base runs BatchNorm in inference mode even when called with training=True
    check("probs_training_call", np.asarray(model(tf.constant(x), training=True), dtype=np.float64),
          **PROB_TOL)


# ---- phase 1: head training ----------------------------------------------------------
@pytest.mark.weight(2)
def test_head_phase_history(run, check):
    r = run.phase("head")
    assert len(r.hist_head["loss"]) == HEAD["epochs"]
    check("loss", _floats(r.hist_head["loss"]), **LOSS_TOL)
    check("head_weights", r.head_after_head, **WEIGHT_TOL)


@pytest.mark.weight(2)
def test_base_unchanged_after_head_phase(run, check):
    r = run.phase("head")
    unchanged = all(np.array_equal(a, b) for a, b in zip(r.base_init, r.base_after_head))
    assert unchanged, "a frozen base weight changed during the head phase"
    check("trainable_params", r.counts_build[0], exact=True)
    check("base_weights", r.base_after_head, rtol=1e-6, atol=1e-7)
    check("val_probs", r.probs_after_head, rtol=1e-3, atol=1e-5)


# ---- phase 2: fine-tuning --------------------------------------------------------------
@pytest.mark.weight(1)
def test_trainable_params_per_phase(run, check):
    r = run.phase("fine")
    check("n_unfreeze", r.n_unfreeze, exact=True)
    check("phase1_trainable_params", r.counts_build[0], exact=True)
    check("phase1_non_trainable_params", r.counts_build[1], exact=True)
    check("phase2_trainable_params", r.counts_fine[0], exact=True)
    check("phase2_non_trainable_params", r.counts_fine[1], exact=True)
    check("phase2_base_trainable_per_layer", r.per_layer_fine, exact=True)


@pytest.mark.weight(2)
def test_fine_tune_changes_only_top_layers(run, check):
    r = run.phase("fine")
    layers = r.base.layers
    first_top = len(layers) - r.n_unfreeze
    init = iter(r.base_init)
    for i, (layer, after) in enumerate(zip(layers, r.base_after_fine)):
        before = [next(init) for _ in after]
        same = all(np.array_equal(a, b) for a, b in zip(before, after))
        if i < first_top or _is_bn(layer):
            assert same, "a layer that should stay frozen changed"
        elif after:
            assert not same, "an unfrozen layer did not train"
    check("base_weights", r.base_after_fine, **WEIGHT_TOL)
    check("head_weights", r.head_after_fine, **WEIGHT_TOL)


@pytest.mark.weight(2)
def test_batchnorm_kept_in_inference_mode(run, check):
    r = run.phase("fine")
    init = iter(r.base_init)
    bn_values = []
    for layer, after in zip(r.base.layers, r.base_after_fine):
        before = [next(init) for _ in after]
        if _is_bn(layer):
            kept = all(np.array_equal(a, b) for a, b in zip(before, after))
            assert kept, "BatchNormalization weights or statistics changed"
            bn_values.append(after)
    inference = bool(np.allclose(r.probs_fine_training, r.probs_fine, rtol=1e-5, atol=1e-6))
    assert inference, "training=True changes the output: BatchNorm is not in inference mode"
    check("batchnorm", bn_values, rtol=1e-6, atol=1e-7)
    check("probs_training_call", r.probs_fine_training, rtol=1e-3, atol=1e-5)


@pytest.mark.weight(2)
def test_fine_tune_history(run, check):
    r = run.phase("fine")
    assert len(r.hist_fine["loss"]) == FINE["epochs"]
    check("loss", _floats(r.hist_fine["loss"]), **LOSS_TOL)
    check("val_probs", r.probs_fine, rtol=1e-3, atol=1e-5)


@pytest.mark.weight(2)
def test_fine_tune_beats_frozen(run, check, solution):
    r = run.phase("fine")
    # the frozen alternative: same start, the head alone trained for the same
    # epochs at the same learning rate
    base, (x, y), (xv, yv), _ = r._base_and_task()
    frozen = solution.build_model(base, NUM_CLASSES)
    frozen.get_layer("head").set_weights(r.head_after_head)
    solution.train_head(frozen, base, x, y, **FINE)
    frozen_loss = ce(frozen, xv, yv)
    beats = r.val_after_fine < frozen_loss
    assert beats, "fine-tuning did not beat the frozen base"
    check("val_loss_fine_tuned", r.val_after_fine, rtol=1e-3, atol=1e-5)
    check("val_loss_frozen", frozen_loss, rtol=1e-3, atol=1e-5)


@pytest.mark.weight(1)
@pytest.mark.parametrize("n_unfreeze", [0, 1, 11])
def test_unfreeze_top_n(solution, check, rng, n_unfreeze):
    base = make_base(rng)
    x, y, _ = make_task(rng, 32)
    model = solution.build_model(base, NUM_CLASSES)
    set_head(model, rng)
    check("trainable_params_built", count(model.trainable_weights), exact=True)
    # straight from build_model to fine_tune (spec: both orders must work)
    solution.fine_tune(model, base, x, y, n_unfreeze=n_unfreeze, epochs=2, batch_size=16,
                       learning_rate=0.02)
    check("trainable_params", count(model.trainable_weights), exact=True)
    check("base_trainable_per_layer", _trainable_per_layer(base), exact=True)
    check("probs", np.asarray(model(tf.constant(x), training=False)), rtol=1e-3, atol=1e-5)


# ---- another base, repeated calls, uneven batches ----------------------------------------
def _alt_base(rng):
    """A different base (the statement: do not depend on the exact layers) whose
    top layer has weights: conv, BatchNorm, ReLU, pooling, then a Dense(16)."""
    L = keras.layers
    base = keras.Sequential([
        keras.Input((8, 8, 3)),
        L.Conv2D(6, 3, padding="same", name="c1"),
        L.BatchNormalization(name="n1"),
        L.ReLU(name="r1"),
        L.GlobalAveragePooling2D(name="g"),
        L.Dense(16, name="proj"),
    ], name="base")
    for layer in base.layers:
        if isinstance(layer, (L.Conv2D, L.Dense)):
            k, b = layer.get_weights()
            fan_in = np.prod(k.shape[:-1])
            layer.set_weights([rng.standard_normal(k.shape) * np.sqrt(2.0 / fan_in),
                               0.1 * rng.standard_normal(b.shape)])
        elif isinstance(layer, L.BatchNormalization):
            n = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(0.8, 1.2, n), 0.1 * rng.standard_normal(n),
                               0.5 * rng.standard_normal(n), rng.uniform(0.5, 2.0, n)])
    return base


@pytest.mark.weight(2)
def test_other_base_repeated_calls_uneven_batches(solution, check, rng):
    base = _alt_base(rng)
    x, y, _ = make_task(rng, 40, num_classes=2)  # 40 = 16 + 16 + 8
    model = solution.build_model(base, 2)
    set_head(model, rng)
    step = dict(batch_size=16, learning_rate=0.02)
    # every base layer with weights trains but the BatchNorm one
    h1 = solution.fine_tune(model, base, x, y, n_unfreeze=5, epochs=1, **step)
    check("per_layer_all", _trainable_per_layer(base), exact=True)
    check("loss_all", _floats(h1["loss"]), **LOSS_TOL)
    # a second call sets the flags again: only the top layer (the Dense) trains now
    c1 = snapshot(base.get_layer("c1"))
    h2 = solution.fine_tune(model, base, x, y, n_unfreeze=1, epochs=2, **step)
    check("per_layer_top1", _trainable_per_layer(base), exact=True)
    check("trainable_top1", count(model.trainable_weights), exact=True)
    kept = all(np.array_equal(a, b) for a, b in zip(c1, snapshot(base.get_layer("c1"))))
    assert kept, "a layer below the top n_unfreeze trained"
    check("loss_top1", _floats(h2["loss"]), **LOSS_TOL)
    # train_head after fine-tuning: the whole base is frozen again
    before = snapshot(base)
    h3 = solution.train_head(model, base, x, y, epochs=2, batch_size=16, learning_rate=0.05)
    check("trainable_head", count(model.trainable_weights), exact=True)
    same = all(np.array_equal(a, b) for a, b in zip(before, snapshot(base)))
    assert same, "train_head changed a base weight"
    check("loss_head", _floats(h3["loss"]), **LOSS_TOL)
    check("probs", np.asarray(model(tf.constant(x), training=False)), rtol=1e-3, atol=1e-5)
