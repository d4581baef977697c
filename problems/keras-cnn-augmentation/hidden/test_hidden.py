"""Hidden suite for keras-cnn-augmentation: every test records the values that matter.

The training runs (one on a real seeded task, two with a scripted validation
loss) happen once per module, lazily, and are shared by the tests that read
them; a run that raised raises again in each test that needs it.
"""
import numpy as np
import pytest
import keras

from conftest import STACK, Recorder, ce, forward, make_task, set_weights

OUT_TOL = dict(rtol=1e-4, atol=1e-5)
HIST_TOL = dict(rtol=1e-4, atol=1e-5)
W_TOL = dict(rtol=1e-4, atol=1e-6)
REAL = dict(epochs=8, batch_size=16, patience=2)


def _model(solution, rng, shape=(8, 8, 1), num_classes=3):
    seed = int(rng.integers(0, 2**20))
    model = solution.build_model(shape, num_classes, seed)
    weights = set_weights(model, rng)
    return model, weights, seed


def _arr(t):
    return np.asarray(t, dtype=np.float64)


class Runs:
    def __init__(self, solution, seed):
        self.solution, self.seed, self.cache = solution, seed, {}

    def get(self, name):
        if name not in self.cache:
            try:
                self.cache[name] = (True, getattr(self, "_" + name)())
            except BaseException as exc:  # a timeout too: the next tests fail fast
                self.cache[name] = (False, f"{type(exc).__name__}: {exc}"[:300])
                raise
        ok, value = self.cache[name]
        if not ok:
            raise RuntimeError(f"the {name} run failed: {value}")
        return value

    def _real(self):
        rng = np.random.default_rng([self.seed, 11])
        n = int(rng.choice([103, 109, 113, 118, 122, 127]))   # not a multiple of 5 nor of 16
        x, y = make_task(rng, n)
        x0, y0 = x.copy(), y.copy()
        model, _, _ = _model(self.solution, rng)
        n_train = int(np.floor(0.8 * n))
        rec = Recorder(x[n_train:], y[n_train:])
        history = self.solution.train(model, x, y, callbacks=[rec], **REAL)
        return dict(model=model, x=x, y=y, x0=x0, y0=y0, n_train=n_train, rec=rec,
                    hist={k: [float(v) for v in vals] for k, vals in history.history.items()},
                    final=[np.array(w) for w in model.get_weights()],
                    final_val_loss=ce(model(x[n_train:], training=False), y[n_train:]))

    def _scripted(self, epochs, patience, best, tag):
        """val_loss falls to its minimum at epoch `best`, then never improves
        (the next epoch ties it); the training loss keeps falling."""
        rng = np.random.default_rng([self.seed, tag])
        x, y = make_task(rng, 40)
        model, _, _ = _model(self.solution, rng)
        low = float(rng.uniform(0.3, 0.6))
        val = [low + 0.1 * (best - e) for e in range(best + 1)]
        val += [low] + [low + 0.01 * k + float(rng.uniform(0, 0.05)) for k in range(1, epochs)]
        script = {"val_loss": val[:epochs], "loss": list(np.linspace(2.0, 1.0, epochs))}
        rec = Recorder(x[32:], y[32:], script=script)
        history = self.solution.train(model, x, y, epochs=epochs, batch_size=8, patience=patience,
                                      callbacks=[rec])
        return dict(rec=rec, best=best, patience=patience, epochs=epochs,
                    n_epochs=len(history.history["loss"]), epochs_seen=len(rec.weights),
                    final=[np.array(w) for w in model.get_weights()])

    def _stop(self):
        rng = np.random.default_rng([self.seed, 12])
        return self._scripted(epochs=8, patience=int(rng.choice([2, 3])), best=int(rng.choice([1, 2])), tag=13)

    def _no_stop(self):
        rng = np.random.default_rng([self.seed, 14])
        return self._scripted(epochs=5, patience=5, best=int(rng.choice([1, 2])), tag=15)


@pytest.fixture(scope="module")
def runs(solution, seed):
    return Runs(solution, seed)


# ---- the model ------------------------------------------------------------------------
@pytest.mark.weight(2)
def test_layer_stack(solution, check, rng):
    seed = int(rng.integers(0, 2**20))
    model = solution.build_model((8, 8, 1), 3, seed)
    names = [type(layer).__name__ for layer in model.layers]
    check("layer_types", names, exact=True)
    assert names == STACK, names
    flip, shift, c1, pool, c2, _, dense = model.layers
    check("flip", [flip.mode, int(flip.seed) - seed], exact=True)
    check("translation", [float(shift.height_factor), float(shift.width_factor), shift.fill_mode,
                          shift.interpolation, float(shift.fill_value), int(shift.seed) - seed], exact=True)
    check("convs", [[c.filters, list(c.kernel_size), c.padding, c.activation.__name__] for c in (c1, c2)],
          exact=True)
    check("pool", list(pool.pool_size), exact=True)
    check("dense", [dense.units, dense.activation.__name__], exact=True)
    compiled = bool(model.compiled)
    assert not compiled, "build_model must not compile"


@pytest.mark.weight(2)
def test_parameter_counts(solution, check, rng):
    num_classes = int(rng.integers(2, 6))
    shape = (int(rng.choice([6, 8, 10, 12])), int(rng.choice([6, 8, 10, 12])), int(rng.integers(1, 4)))
    for name, (s, c) in {"default": ((8, 8, 1), 3), "other": (shape, num_classes)}.items():
        model = solution.build_model(s, c, int(rng.integers(0, 2**20)))
        check(f"{name}/per_layer", [int(layer.count_params()) for layer in model.layers], exact=True)
        check(f"{name}/total", int(model.count_params()), exact=True)
        check(f"{name}/trainable", int(sum(np.prod(w.shape) for w in model.trainable_weights)), exact=True)
        check(f"{name}/output_shape", [-1 if d is None else int(d) for d in model.output_shape], exact=True)


@pytest.mark.weight(3)
def test_inference_is_plain_network(solution, check, rng):
    num_classes = int(rng.integers(2, 6))
    shape = (int(rng.choice([8, 10])), int(rng.choice([6, 8])), int(rng.integers(1, 4)))
    model, weights, _ = _model(solution, rng, shape, num_classes)
    x, _ = make_task(rng, 12, shape, num_classes)
    out = _arr(model(x, training=False))
    own = forward(weights, x)
    assert out.shape == own.shape
    err = float(np.abs(out - own).max())
    assert err < 1e-4, err
    check("logits", out, **OUT_TOL)
    again = _arr(model(x, training=False))
    check("logits_again", again, **OUT_TOL)
    assert np.array_equal(out, again), "inference-mode calls must not be random"


@pytest.mark.weight(1)
def test_inference_batch_of_one_and_predict(solution, check, rng):
    model, weights, _ = _model(solution, rng)
    x, _ = make_task(rng, 5)
    one = _arr(model(x[:1], training=False))
    pred = _arr(model.predict(x, verbose=0))
    err = float(max(np.abs(one - forward(weights, x[:1])).max(), np.abs(pred - forward(weights, x)).max()))
    assert err < 1e-4, err
    check("batch_of_one", one, **OUT_TOL)
    check("predict", pred, **OUT_TOL)


@pytest.mark.weight(2)
def test_training_mode_augments(solution, check, rng):
    model, weights, _ = _model(solution, rng)
    x, _ = make_task(rng, 16)
    plain = forward(weights, x)
    first = _arr(model(x, training=True))
    second = _arr(model(x, training=True))
    changed = [int((np.abs(o - plain).max(axis=1) > 1e-4).sum()) for o in (first, second)]
    assert min(changed) > 0, "training-mode calls must augment"
    assert not np.allclose(first, second), "each training-mode call draws new transformations"
    check("first", first, **OUT_TOL)
    check("second", second, **OUT_TOL)


@pytest.mark.weight(2)
def test_augmentation_is_seeded(solution, check, rng):
    x, _ = make_task(rng, 16)
    seed = int(rng.integers(0, 2**20))
    a = solution.build_model((8, 8, 1), 3, seed)
    b = solution.build_model((8, 8, 1), 3, seed)
    c = solution.build_model((8, 8, 1), 3, seed + 2)
    set_weights(a, rng)
    b.set_weights(a.get_weights())
    c.set_weights(a.get_weights())
    outs = [[_arr(m(x, training=True)) for _ in range(2)] for m in (a, b, c)]
    same = all(np.array_equal(p, q) for p, q in zip(outs[0], outs[1]))
    assert same, "two models with the same seed must augment alike"
    assert not np.allclose(outs[0][0], outs[2][0]), "another seed must augment differently"
    check("seed_a", outs[0], **OUT_TOL)
    check("seed_plus_2", outs[2], **OUT_TOL)


# ---- training on a real seeded task ---------------------------------------------------------
@pytest.mark.weight(1)
def test_history_keys_and_lengths(runs, check):
    r = runs.get("real")
    h = r["hist"]
    keys = sorted(k for k in ("loss", "accuracy", "val_loss", "val_accuracy") if k in h)
    check("keys", keys, exact=True)
    lengths = [len(h[k]) for k in keys]
    check("lengths", lengths + [len(r["rec"].weights)], exact=True)
    assert len(set(lengths)) == 1 and 1 <= lengths[0] <= REAL["epochs"]


@pytest.mark.weight(3)
def test_history_matches_reference(runs, check):
    h = runs.get("real")["hist"]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        check(key, h[key], **HIST_TOL)


@pytest.mark.weight(2)
def test_validation_is_last_rows(runs, check):
    r = runs.get("real")
    fit_val = [logs["val_loss"] for logs in r["rec"].logs]
    own = r["rec"].own_val_loss
    assert len(own) == len(fit_val) > 0
    err = float(np.max(np.abs(np.array(fit_val) - own) / np.array(own)))
    assert err < 1e-4, err
    check("own_val_loss", own, **HIST_TOL)
    check("n_train", r["n_train"], exact=True)


@pytest.mark.weight(2)
def test_best_weights_restored_real_run(runs, check):
    r = runs.get("real")
    best = int(np.argmin(r["hist"]["val_loss"]))
    restored = all(np.array_equal(a, b) for a, b in zip(r["final"], r["rec"].weights[best]))
    assert restored, "the final weights must be the best epoch's"
    check("best_epoch", best, exact=True)
    check("final_weights", r["final"], **W_TOL)
    check("final_val_loss", r["final_val_loss"], **HIST_TOL)


@pytest.mark.weight(1)
def test_compiled_as_stated(runs, check):
    model = runs.get("real")["model"]
    opt = model.optimizer
    check("optimizer", [type(opt).__name__, float(np.asarray(opt.learning_rate))], rtol=1e-6)


@pytest.mark.weight(1)
def test_inputs_unmodified(runs, check):
    r = runs.get("real")
    same = bool(np.array_equal(r["x"], r["x0"]) and np.array_equal(r["y"], r["y0"]))
    assert same, "train must leave x and y unmodified"
    check("x_sum", float(r["x"].astype(np.float64).sum()), rtol=1e-9)
    check("y", r["y"], exact=True)


@pytest.mark.weight(1)
def test_learns_the_task(runs, check):
    h = runs.get("real")["hist"]
    best_acc = max(h["val_accuracy"])
    assert best_acc >= 0.6, best_acc
    assert min(h["val_loss"]) < h["val_loss"][0]
    check("best_val_accuracy", best_acc, rtol=1e-4)


# ---- early stopping with a scripted validation loss -------------------------------------------
@pytest.mark.weight(3)
def test_early_stopping_epoch(runs, check):
    r = runs.get("stop")
    expected = r["best"] + r["patience"] + 1
    check("epochs_run", [r["n_epochs"], r["epochs_seen"]], exact=True)
    assert r["n_epochs"] == r["epochs_seen"] == expected, (r["n_epochs"], expected)


@pytest.mark.weight(3)
def test_restores_best_epoch_weights_on_stop(runs, check):
    r = runs.get("stop")
    best = r["rec"].weights[r["best"]]
    restored = all(np.array_equal(a, b) for a, b in zip(r["final"], best))
    assert restored, "early stopping must restore the best epoch's weights"
    check("final_weights", r["final"], **W_TOL)


@pytest.mark.weight(2)
def test_restores_best_when_not_stopped(runs, check):
    r = runs.get("no_stop")
    check("epochs_run", r["n_epochs"], exact=True)
    assert r["n_epochs"] == r["epochs"]
    best = r["rec"].weights[r["best"]]
    restored = all(np.array_equal(a, b) for a, b in zip(r["final"], best))
    assert restored, "the best epoch's weights must be restored after the last epoch too"
    check("final_weights", r["final"], **W_TOL)
