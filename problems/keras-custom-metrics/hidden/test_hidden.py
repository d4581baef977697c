"""Hidden suite for keras-custom-metrics: every test records the values that matter."""
import numpy as np
import pytest
import tensorflow as tf

F1_TOL = dict(rtol=1e-5, atol=1e-6)
LR_TOL = dict(rtol=1e-6, atol=1e-9)
AVERAGES = ("macro", "micro", "weighted")


def _scores(rng, n, c):
    return rng.standard_normal((n, c)).astype(np.float32)


def _value(metric):
    r = metric.result()
    assert tuple(r.shape) == (), "result() must be a scalar"
    assert tf.as_dtype(r.dtype) == tf.float32, "result() must be float32"
    return float(r)


def _stream(solution, kit, rng, c, average, sizes, weighted=False):
    """Feed batches one by one; the metric's result after each vs spec.md's formula on all so far."""
    metric = solution.StreamingF1(c, average=average)
    ys, ps, ws, got, want = [], [], [], [], []
    for i, n in enumerate(sizes):
        y, s = rng.integers(0, c, n), _scores(rng, n, c)
        w = None
        if weighted:
            w = rng.uniform(0.1, 3.0, n).astype(np.float32)
            w[rng.random(n) < 0.2] = 0.0
            ws.append(w)
            w = w if i % 2 == 0 else tf.constant(w.reshape(-1, 1))  # (B,) NumPy, (B, 1) tensor
        metric.update_state(y if i % 2 == 0 else tf.constant(y), s if i % 2 else tf.constant(s),
                            sample_weight=w)
        ys.append(y)
        ps.append(s.argmax(axis=1))
        got.append(_value(metric))
        want.append(kit.f1_np(np.concatenate(ys), np.concatenate(ps), c, average,
                              np.concatenate(ws) if weighted else None))
    return got, want


@pytest.mark.weight(2)
def test_lr_at_values(solution, check, rng, kit):
    out = {}
    for name, warmup in (("warmup", int(rng.integers(2, 6))), ("no_warmup", 0)):
        total = warmup + int(rng.integers(5, 12))
        peak = float(rng.uniform(0.05, 1.0))
        floor = float(rng.uniform(0.0, 0.3)) * peak
        sched = solution.WarmupCosine(peak_lr=peak, total_steps=total, warmup_steps=warmup, min_lr=floor)
        values = [sched.lr_at(s) for s in range(total + 3)]
        assert all(isinstance(v, float) for v in values), "lr_at returns a Python float"
        expected = [kit.lr_np(s, peak, total, warmup, floor) for s in range(total + 3)]
        assert np.allclose(values, expected, rtol=1e-6, atol=1e-9), f"{name}: the schedule of spec.md"
        out[name] = values
    default = solution.WarmupCosine(0.3, 4)           # warmup_steps=0, min_lr=0.0 by default
    out["defaults"] = [default.lr_at(s) for s in range(6)]
    check("lr_at", out, **LR_TOL)


@pytest.mark.weight(1)
def test_invalid_arguments(solution, check):
    def raises(make):
        try:
            make()
        except ValueError:
            return True
        return False

    bad = {
        "average_samples": lambda: solution.StreamingF1(3, average="samples"),
        "average_binary": lambda: solution.StreamingF1(3, average="binary"),
        "one_class": lambda: solution.StreamingF1(1),
        "warmup_equals_total": lambda: solution.WarmupCosine(0.1, 5, 5),
        "negative_warmup": lambda: solution.WarmupCosine(0.1, 5, -1),
        "floor_above_peak": lambda: solution.WarmupCosine(0.1, 5, 1, min_lr=0.2),
        "negative_floor": lambda: solution.WarmupCosine(0.1, 5, 1, min_lr=-0.01),
    }
    good = {
        "two_classes": lambda: solution.StreamingF1(2, average="micro"),
        "no_warmup": lambda: solution.WarmupCosine(0.1, 5, 0),
        "longest_warmup": lambda: solution.WarmupCosine(0.1, 5, 4, min_lr=0.1),
        "floor_zero": lambda: solution.WarmupCosine(0.1, 1, 0, min_lr=0.0),
    }
    out = {k: raises(f) for k, f in bad.items()} | {k: raises(f) for k, f in good.items()}
    assert all(out[k] for k in bad) and not any(out[k] for k in good), "ValueError exactly for bad arguments"
    check("raises", out, exact=True)


@pytest.mark.weight(3)
def test_macro_streams_counts_across_batches(solution, check, rng, kit):
    got, want = _stream(solution, kit, rng, 4, "macro", [7, 1, 12, 5])
    check("macro_after_each_batch", got, **F1_TOL)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), "macro F1 of all samples seen so far"


@pytest.mark.weight(2)
@pytest.mark.parametrize("average", ["micro", "weighted"])
def test_micro_and_weighted_stream(solution, check, rng, kit, average):
    got, want = _stream(solution, kit, rng, 3, average, [9, 4, 1, 11])
    check(f"{average}_after_each_batch", got, **F1_TOL)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), f"{average} F1 of all samples seen so far"


@pytest.mark.weight(3)
@pytest.mark.parametrize("average", AVERAGES)
def test_sample_weight(solution, check, rng, kit, average):
    got, want = _stream(solution, kit, rng, 4, average, [10, 6, 13], weighted=True)
    check(f"{average}_weighted_samples", got, **F1_TOL)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), "each sample adds its weight to the counts"


def _one_hot_scores(rng, pred, c):
    s = rng.uniform(0.0, 0.5, (len(pred), c)).astype(np.float32)
    s[np.arange(len(pred)), pred] = 1.0
    return s


@pytest.mark.weight(2)
def test_absent_classes(solution, check, rng, kit):
    c = 6
    n = 24
    y = rng.integers(0, 3, n)                     # true classes 0..2 only
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, 3, n))
    pred[0] = 4                                   # class 4: predicted, never true -> F1 0, present
    y[1], pred[1] = 5, 5                          # class 5: only with weight 0 -> absent
    w = rng.uniform(0.5, 2.0, n).astype(np.float32)
    w[1] = 0.0                                    # class 3: never seen -> absent
    w[0] = 0.3                                    # class 4 present with a count below 1
    s = _one_hot_scores(rng, pred, c)
    out = {}
    for average in AVERAGES:
        metric = solution.StreamingF1(c, average=average)
        metric.update_state(y, s, sample_weight=w)
        out[average] = _value(metric)
        expected = kit.f1_np(y, pred, c, average, w)
        assert abs(out[average] - expected) <= 1e-5 * abs(expected) + 1e-6, f"{average}: absent classes"
    check("absent", out, **F1_TOL)


@pytest.mark.weight(2)
def test_zero_division_gives_zero(solution, check, rng):
    out = {}
    for average in AVERAGES:
        metric = solution.StreamingF1(3, average=average)
        fresh = _value(metric)                    # nothing counted yet
        metric.update_state(rng.integers(0, 3, 5), _scores(rng, 5, 3), sample_weight=np.zeros(5, np.float32))
        zero_weights = _value(metric)             # only weight-0 samples
        metric.update_state(np.array([0, 0, 1]), _one_hot_scores(rng, np.array([1, 2, 2]), 3))
        all_wrong = _value(metric)                # classes present, every F1 is 0
        out[average] = [fresh, zero_weights, all_wrong]
        assert out[average] == [0.0, 0.0, 0.0], f"{average}: a zero denominator gives 0.0"
    check("zero_division", out, exact=True)


@pytest.mark.weight(2)
def test_reset_state(solution, check, rng, kit):
    c = 4
    metric = solution.StreamingF1(c, average="macro")
    for n in (9, 6):
        metric.update_state(rng.integers(0, c, n), _scores(rng, n, c))
    before = [_value(metric), _value(metric)]     # result() does not change the state
    assert before[0] == before[1], "result() must not change the state"
    metric.reset_state()
    after_reset = _value(metric)
    y, s = rng.integers(0, c, 8), _scores(rng, 8, c)
    metric.update_state(y, s)
    again = _value(metric)
    metric.reset_state()
    metric.reset_state()
    metric.update_state(y[:3], s[:3])
    third = _value(metric)
    expected = [kit.f1_np(y, s.argmax(1), c, "macro"), kit.f1_np(y[:3], s[:3].argmax(1), c, "macro")]
    assert after_reset == 0.0 and np.allclose([again, third], expected, rtol=1e-5, atol=1e-6), \
        "after reset_state the metric counts only the new batches"
    check("before", before, **F1_TOL)
    check("after_reset", [after_reset, again, third], **F1_TOL)


@pytest.mark.weight(2)
def test_label_and_score_formats(solution, check, rng, kit):
    c, n = 4, 20
    y = rng.integers(0, c, n)
    scores = rng.integers(0, 2, (n, c)).astype(np.float32)   # many exact ties
    probs = tf.nn.softmax(tf.constant(scores)).numpy()
    pred = scores.argmax(axis=1)                              # ties -> lowest index
    forms = {
        "int32_flat": (y.astype(np.int32), scores),
        "int64_column_tensor": (tf.constant(y.reshape(-1, 1), tf.int64), tf.constant(scores)),
        "float_column": (y.reshape(-1, 1).astype(np.float32), probs),
    }
    out = {}
    for name, (labels, s) in forms.items():
        metric = solution.StreamingF1(c, average="macro")
        metric.update_state(labels, s)
        out[name] = _value(metric)
    expected = kit.f1_np(y, pred, c, "macro")
    assert np.allclose(list(out.values()), expected, rtol=1e-5, atol=1e-6), \
        "label shapes/dtypes and logits vs probabilities give the same F1; ties go to the lowest index"
    check("formats", out, **F1_TOL)


@pytest.mark.weight(1)
def test_config_and_state_variables(solution, check, rng):
    c = 5
    metric = solution.StreamingF1(c, average="weighted", name="f1_w")
    default = solution.StreamingF1(3)
    cfg = metric.get_config()
    facts = {
        "name": metric.name, "default_name": default.name, "default_average": default.average,
        "num_classes": int(cfg["num_classes"]), "average": cfg["average"], "cfg_name": cfg["name"],
        "non_trainable": len(metric.variables) > 0 and not any(v.trainable for v in metric.variables),
    }
    assert facts["non_trainable"], "the counts are non-trainable metric variables"
    y, s = rng.integers(0, c, 12), _scores(rng, 12, c)
    metric.update_state(y, s)
    clone = solution.StreamingF1.from_config(metric.get_config())
    empty = _value(clone)
    clone.update_state(y, s)
    values = [_value(metric), empty, _value(clone)]
    assert empty == 0.0 and values[0] == values[2], "from_config builds an equal, empty metric"
    check("config", facts, exact=True)
    check("values", values, **F1_TOL)


@pytest.mark.weight(2)
def test_evaluate_and_graph_mode(solution, check, rng, kit):
    c, n = 3, 50
    x, y = kit.make_data(rng, n, 5, c)
    w = rng.uniform(0.2, 2.0, n).astype(np.float32)
    model = kit.make_model(rng, 5, c)
    model.compile(loss="sparse_categorical_crossentropy",
                  weighted_metrics=[solution.StreamingF1(c, a, name=f"f1_{a}") for a in AVERAGES])
    pred = model.predict(x, batch_size=16, verbose=0).argmax(axis=1)
    first = model.evaluate(x, y, sample_weight=w, batch_size=16, verbose=0, return_dict=True)
    second = model.evaluate(x, y, sample_weight=w, batch_size=16, verbose=0, return_dict=True)
    for a in AVERAGES:
        expected = kit.f1_np(y, pred, c, a, w)
        same = abs(first[f"f1_{a}"] - expected) <= 1e-5 * expected + 1e-6 and first[f"f1_{a}"] == second[f"f1_{a}"]
        assert same, f"evaluate: {a} F1 over every batch of the call"
    check("evaluate", {a: first[f"f1_{a}"] for a in AVERAGES}, **F1_TOL)
    check("evaluate_again", {a: second[f"f1_{a}"] for a in AVERAGES}, **F1_TOL)

    metric = solution.StreamingF1(c, average="weighted")
    update = tf.function(metric.update_state)
    for lo in range(0, n, 16):
        update(tf.constant(y[lo:lo + 16]), tf.constant(x[lo:lo + 16, :c]), tf.constant(w[lo:lo + 16]))
    graph = _value(metric)
    assert abs(graph - kit.f1_np(y, x[:, :c].argmax(1), c, "weighted", w)) < 1e-5, "update_state in a tf.function"
    check("graph_mode", graph, **F1_TOL)


# --- one training run read by two tests ----------------------------------------------------
FIT = dict(c=4, features=5, n=72, batch=16, epochs=3, total=12, warmup=3)   # 5 batches/epoch, last of 8


@pytest.fixture(scope="module")
def trained(solution, seed, kit):
    rng = np.random.default_rng([seed, 2024])
    c, b = FIT["c"], FIT["batch"]
    x, y = kit.make_data(rng, FIT["n"], FIT["features"], c)
    w = rng.uniform(0.2, 2.0, FIT["n"]).astype(np.float32)
    w[rng.random(FIT["n"]) < 0.15] = 0.0
    model = kit.make_model(rng, FIT["features"], c)
    peak, floor = float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.01, 0.05))
    sched = solution.WarmupCosine(peak, FIT["total"], FIT["warmup"], floor)
    run = dict(lr=[], preds=[], batch_logs=[], x=x, y=y, w=w, peak=peak, floor=floor, sched=sched)

    class Recorder(tf.keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            run["lr"].append(float(np.asarray(self.model.optimizer.learning_rate)))
            xb = x[batch * b:(batch + 1) * b]
            run["preds"].append(np.asarray(self.model(xb, training=False)).argmax(axis=1))

        def on_train_batch_end(self, batch, logs=None):
            run["batch_logs"].append({k: float(logs[k]) for k in ("f1", "f1w", "f1m")})

    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.77, momentum=0.5),
                  loss="sparse_categorical_crossentropy",
                  metrics=[solution.StreamingF1(c, "macro")],
                  weighted_metrics=[solution.StreamingF1(c, "weighted", name="f1w"),
                                    solution.StreamingF1(c, "micro", name="f1m")])
    hist = model.fit(x, y, sample_weight=w, batch_size=b, epochs=FIT["epochs"], shuffle=False,
                     verbose=0, callbacks=[sched, Recorder()])
    run["history"] = {k: [float(v) for v in hist.history[k]] for k in ("f1", "f1w", "f1m")}
    return run


@pytest.mark.weight(3)
def test_fit_metric_resets_each_epoch(trained, check, kit):
    run = trained
    per_epoch = -(-FIT["n"] // FIT["batch"])
    want = []
    for step, pred in enumerate(run["preds"]):
        epoch_start = step - step % per_epoch       # the metric is reset at every epoch start
        hi = (step % per_epoch + 1) * FIT["batch"]
        y, w = run["y"][:hi], run["w"][:hi]
        p = np.concatenate(run["preds"][epoch_start:step + 1])
        want.append({"f1": kit.f1_np(y, p, FIT["c"], "macro"), "f1w": kit.f1_np(y, p, FIT["c"], "weighted", w),
                     "f1m": kit.f1_np(y, p, FIT["c"], "micro", w)})
    for k in ("f1", "f1w", "f1m"):
        got = [logs[k] for logs in run["batch_logs"]]
        expected = [d[k] for d in want]
        assert np.allclose(got, expected, rtol=1e-5, atol=1e-6), f"{k}: logs of each batch = F1 of the epoch so far"
        epochs = [expected[e * per_epoch + per_epoch - 1] for e in range(FIT["epochs"])]
        assert np.allclose(run["history"][k], epochs, rtol=1e-5, atol=1e-6), f"{k}: epoch value = that epoch's F1"
        check(f"batch_logs_{k}", got, **F1_TOL)
        check(f"history_{k}", run["history"][k], **F1_TOL)


@pytest.mark.weight(3)
def test_fit_learning_rate_each_step(trained, check, kit):
    run = trained
    steps = len(run["lr"])
    expected = [kit.lr_np(s, run["peak"], FIT["total"], FIT["warmup"], run["floor"]) for s in range(steps)]
    assert steps == FIT["epochs"] * -(-FIT["n"] // FIT["batch"])
    assert np.allclose(run["lr"], expected, rtol=1e-6, atol=1e-9), "training step s runs with lr_at(s)"
    check("lr_per_step", run["lr"], **LR_TOL)
    check("step_after_fit", int(run["sched"].step), exact=True)


@pytest.mark.weight(2)
def test_lr_global_step_across_fits_with_adam(solution, check, rng, kit):
    c = 3
    x, y = kit.make_data(rng, 40, 4, c)                      # 3 batches of 16, 16, 8
    model = kit.make_model(rng, 4, c)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.02), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)   # optimizer.iterations = 3 already
    sched = solution.WarmupCosine(peak_lr=0.05, total_steps=8, warmup_steps=2, min_lr=0.005)
    seen = []
    rec = tf.keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda b, logs: seen.append(float(np.asarray(model.optimizer.learning_rate))))
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[sched, rec],
              validation_data=(x[:20], y[:20]))            # evaluation batches do not count
    steps = [int(sched.step)]
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[sched, rec])
    steps.append(int(sched.step))
    expected = [kit.lr_np(s, 0.05, 8, 2, 0.005) for s in range(9)]
    assert steps == [6, 9] and np.allclose(seen, expected, rtol=1e-6, atol=1e-9), \
        "the step counts training batches across epochs and fit calls, from 0"
    check("lr", seen, **LR_TOL)
    check("steps", steps, exact=True)
    check("weights", [np.asarray(v) for v in model.get_weights()], rtol=1e-3, atol=1e-5)
