"""Hidden tests: LossScaler (scale, unscale_, step, update, state_dict)."""
import math

import numpy as np
import pytest
import torch

GRAD_TOL = dict(rtol=1e-5, atol=0.0)


def _params(randn, shapes=((3, 4), (4,), (2, 3))):
    return [torch.nn.Parameter(randn(*s)) for s in shapes]


def _snapshot(params, opt=None):
    snap = {"params": [p.detach().clone() for p in params]}
    if opt is not None:
        snap["state"] = [{k: (v.clone() if torch.is_tensor(v) else v) for k, v in sorted(opt.state[p].items())}
                         for p in params if p in opt.state]
    return snap


def _same(a, b):
    if isinstance(a, dict):
        return all(_same(a[k], b[k]) for k in a) and a.keys() == b.keys()
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if torch.is_tensor(a):
        return bool(torch.equal(a, b))
    return a == b


def _set_grads(params, randn, scale, bad=None):
    """Give every parameter a gradient: scale * N(0, 1); bad = 'inf' / 'nan' / '-inf' spoils one entry."""
    for p in params:
        p.grad = randn(*p.shape) * scale
    if bad is not None:
        g = params[len(params) // 2].grad
        g.view(-1)[0] = float(bad)


@pytest.mark.weight(1)
def test_defaults_and_validation(solution, check):
    s = solution.LossScaler()
    state = s.state_dict()
    check("default_state", state, exact=True)
    check("default_types", {k: type(v).__name__ for k, v in state.items()}, exact=True)
    check("get_scale", [s.get_scale(), type(s.get_scale()).__name__], exact=True)
    outcome = {}
    for name, kw in [("init0", dict(init_scale=0.0)), ("init_neg", dict(init_scale=-4.0)),
                     ("init_inf", dict(init_scale=math.inf)), ("growth1", dict(growth_factor=1.0)),
                     ("backoff1", dict(backoff_factor=1.0)), ("backoff0", dict(backoff_factor=0.0)),
                     ("interval0", dict(growth_interval=0)), ("interval_float", dict(growth_interval=2.5)),
                     ("ok_small", dict(init_scale=0.5, growth_factor=1.5, backoff_factor=0.9, growth_interval=1))]:
        try:
            outcome[name] = solution.LossScaler(**kw).state_dict()
        except ValueError:
            outcome[name] = "ValueError"
    check("outcome", outcome, exact=True)


@pytest.mark.weight(1)
def test_scale_multiplies_loss(solution, randn, check):
    p = torch.nn.Parameter(randn(5))
    scaler = solution.LossScaler(init_scale=1024.0)
    loss = (p ** 2).sum() * 0.5
    before = loss.detach().clone()
    scaled = scaler.scale(loss)
    scaled.backward()
    check("scaled", scaled.detach(), rtol=1e-6, atol=0)
    check("loss_unchanged", bool(torch.equal(loss.detach(), before)), exact=True)
    check("grad", p.grad, **GRAD_TOL)


@pytest.mark.weight(2)
def test_unscale_divides_gradients_in_place(solution, randn, check):
    params = _params(randn)
    extra = torch.nn.Parameter(randn(3))                       # in a second group, no gradient
    opt = torch.optim.SGD([{"params": params[:2]}, {"params": [params[2], extra], "lr": 0.01}], lr=0.1)
    scaler = solution.LossScaler(init_scale=3.0 * 2 ** 9)
    _set_grads(params, randn, 3.0 * 2 ** 9)
    grads = [p.grad for p in params]                           # the same tensor objects afterwards
    found = scaler.unscale_(opt)
    check("found_inf", found, exact=True)
    check("in_place", [p.grad is g for p, g in zip(params, grads)], exact=True)
    check("grads", [p.grad.clone() for p in params], **GRAD_TOL)
    check("extra_grad_none", extra.grad is None, exact=True)
    assert found is False


@pytest.mark.weight(2)
@pytest.mark.parametrize("bad", ["inf", "-inf", "nan"])
def test_non_finite_gradients_skip_the_step(solution, randn, check, bad):
    params = _params(randn)
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    scaler = solution.LossScaler(init_scale=256.0, backoff_factor=0.25, growth_interval=1)
    _set_grads(params, randn, 256.0)
    first = scaler.step(opt)                                   # a clean step: momentum buffers exist
    scaler.update()
    before = _snapshot(params, opt)
    _set_grads(params, randn, scaler.get_scale(), bad=bad)
    found = scaler.unscale_(opt)
    stepped = scaler.step(opt)
    scaler.update()
    unchanged = _same(before, _snapshot(params, opt))
    check("flags", [first, found, stepped], exact=True)
    check("scale", scaler.get_scale(), exact=True)
    check("state", scaler.state_dict(), exact=True)
    check("unchanged", unchanged, exact=True)
    check("params", [p.detach().clone() for p in params], **GRAD_TOL)
    assert stepped is False and unchanged, "a non-finite gradient skips the step"


def _pattern(rng, n):
    """clean (C) / overflow (O) steps: always a full run of clean steps, an overflow in the
    middle of a run, two overflows in a row; then random."""
    fixed = list("CCCCOCCOOCCCC")
    return fixed + ["O" if rng.random() < 0.3 else "C" for _ in range(n - len(fixed))]


@pytest.mark.weight(3)
@pytest.mark.parametrize("interval", [1, 3])
def test_scale_trajectory(solution, rng, randn, check, interval):
    growth = float(rng.choice([2.0, 3.0, 1.5]))
    backoff = float(rng.choice([0.5, 0.25]))
    init = float(rng.choice([2.0 ** 10, 100.0, 6.0]))
    params = _params(randn)
    opt = torch.optim.SGD(params, lr=0.01)
    scaler = solution.LossScaler(init_scale=init, growth_factor=growth, backoff_factor=backoff,
                                 growth_interval=interval)
    pattern = _pattern(rng, 24)
    scales, trackers, flags = [], [], []
    for kind in pattern:
        _set_grads(params, randn, scaler.get_scale(), bad="inf" if kind == "O" else None)
        flags.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
        trackers.append(scaler.state_dict()["growth_tracker"])
    check("pattern", "".join(pattern), exact=True)
    check("scales", scales, rtol=1e-12, atol=0)
    check("trackers", trackers, exact=True)
    check("stepped", flags, exact=True)
    check("params", [p.detach().clone() for p in params], **GRAD_TOL)


@pytest.mark.weight(2)
def test_overflow_resets_the_growth_count(solution, randn, check):
    params = _params(randn)
    opt = torch.optim.SGD(params, lr=0.01)
    scaler = solution.LossScaler(init_scale=64.0, growth_interval=3)
    seq = []
    for kind in "CCOCCCC":
        _set_grads(params, randn, scaler.get_scale(), bad="nan" if kind == "O" else None)
        scaler.step(opt)
        scaler.update()
        seq.append((scaler.get_scale(), scaler.state_dict()["growth_tracker"]))
    check("sequence", seq, exact=True)
    assert seq[2] == (32.0, 0) and seq[4] == (32.0, 2) and seq[5] == (64.0, 0), "count restarts after an overflow"


@pytest.mark.weight(2)
def test_step_unscales_exactly_once(solution, randn, check):
    params = _params(randn)
    opt = torch.optim.SGD(params, lr=0.5)
    scaler = solution.LossScaler(init_scale=2.0 ** 12)
    _set_grads(params, randn, 2.0 ** 12)
    scaler.unscale_(opt)                                       # explicit unscale_, then step
    once = [p.grad.clone() for p in params]
    stepped = scaler.step(opt)
    scaler.update()
    check("grads_explicit", [p.grad.clone() for p in params], **GRAD_TOL)
    check("grads_unchanged_by_step", all(torch.equal(a, p.grad) for a, p in zip(once, params)), exact=True)
    check("params_explicit", [p.detach().clone() for p in params], **GRAD_TOL)
    _set_grads(params, randn, 2.0 ** 12)                       # step alone unscales
    stepped2 = scaler.step(opt)
    scaler.update()
    check("grads_implicit", [p.grad.clone() for p in params], **GRAD_TOL)
    check("params_implicit", [p.detach().clone() for p in params], **GRAD_TOL)
    check("stepped", [stepped, stepped2], exact=True)


@pytest.mark.weight(2)
def test_skipped_step_leaves_adam_state(solution, randn, check):
    params = _params(randn)
    opt = torch.optim.Adam(params, lr=0.05)
    scaler = solution.LossScaler(init_scale=512.0, growth_interval=2)
    record = []
    for i, kind in enumerate("CCOC"):
        _set_grads(params, randn, scaler.get_scale(), bad="nan" if kind == "O" else None)
        before = _snapshot(params, opt)
        stepped = scaler.step(opt)
        scaler.update()
        after = _snapshot(params, opt)
        record.append({"stepped": stepped, "unchanged": _same(before, after),
                       "steps": sorted({float(st["step"]) for st in opt.state.values()})})
        check(f"params_{i}", after["params"], **GRAD_TOL)
        check(f"exp_avg_{i}", [st["exp_avg"] for st in after["state"]], **GRAD_TOL)
    check("record", record, exact=True)
    check("scale", scaler.get_scale(), exact=True)
    assert record[2]["unchanged"], "a skipped step leaves parameters and Adam's state"


@pytest.mark.weight(1)
def test_misuse_raises(solution, randn, check):
    params = _params(randn)
    opt = torch.optim.SGD(params, lr=0.1)
    outcome = {}

    def attempt(name, fn):
        try:
            r = fn()
            outcome[name] = r if isinstance(r, bool) else "ok"
        except RuntimeError:
            outcome[name] = "RuntimeError"

    s = solution.LossScaler(init_scale=8.0)
    attempt("update_first", s.update)
    _set_grads(params, randn, 8.0)
    attempt("unscale", lambda: s.unscale_(opt))
    attempt("unscale_again", lambda: s.unscale_(opt))
    attempt("step", lambda: s.step(opt))
    attempt("step_again", lambda: s.step(opt))
    attempt("unscale_after_step", lambda: s.unscale_(opt))
    attempt("update", s.update)
    attempt("update_again", s.update)
    _set_grads(params, randn, 8.0, bad="inf")
    attempt("unscale_inf", lambda: s.unscale_(opt))
    attempt("update_after_unscale_only", s.update)             # allowed: uses found_inf
    check("outcome", outcome, exact=True)
    check("state", s.state_dict(), exact=True)


@pytest.mark.weight(2)
def test_state_dict_round_trip(solution, rng, randn, check):
    params = _params(randn)
    opt = torch.optim.SGD(params, lr=0.01)
    a = solution.LossScaler(init_scale=128.0, growth_factor=4.0, backoff_factor=0.125, growth_interval=3)
    for kind in "CCCCO C".replace(" ", "C"):
        _set_grads(params, randn, a.get_scale(), bad="inf" if kind == "O" else None)
        a.step(opt)
        a.update()
    state = a.state_dict()
    check("state", state, exact=True)
    check("types", {k: type(v).__name__ for k, v in state.items()}, exact=True)
    b = solution.LossScaler(init_scale=1.0, growth_factor=1.5, backoff_factor=0.9, growth_interval=100)
    b.load_state_dict(state)
    check("loaded", b.state_dict(), exact=True)
    traj = []
    for kind in "CCOCCC":
        for s in (a, b):
            _set_grads(params, randn, 1.0, bad="inf" if kind == "O" else None)
            s.step(opt)
            s.update()
        traj.append((a.get_scale(), b.get_scale(), a.state_dict()["growth_tracker"],
                     b.state_dict()["growth_tracker"]))
    check("trajectory", traj, exact=True)
    assert all(t[0] == t[1] and t[2] == t[3] for t in traj), "a loaded scaler continues identically"
