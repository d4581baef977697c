"""Hidden tests: train_step (bfloat16 autocast forward, float32 loss, scaled backward, clipping)."""
import pytest
import torch

STATE_TOL = dict(rtol=1e-5, atol=1e-7)
LOSS_TOL = dict(rtol=1e-4, atol=1e-6)


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def _grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.weight(3)
def test_train_step_matches_reference(solution, make_mlp, make_loss, data, check):
    model = make_mlp(12, 24, 5)
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    scaler = solution.LossScaler(init_scale=2.0 ** 14, growth_interval=2)
    x, y = data(16, 12, 5)
    results = [solution.train_step(model, opt, scaler, make_loss(), x, y) for _ in range(3)]
    check("losses", [r[0] for r in results], **LOSS_TOL)
    check("stepped", [r[1] for r in results], exact=True)
    check("types", [[type(v).__name__ for v in r] for r in results], exact=True)
    check("params", _params(model), **STATE_TOL)
    check("grads", _grads(model), **STATE_TOL)
    check("scaler", scaler.state_dict(), exact=True)


@pytest.mark.weight(2)
def test_dtypes_of_each_stage(solution, make_mlp, make_loss, data, check):
    model, loss_fn = make_mlp(10, 16, 4), make_loss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = data(8, 10, 4)
    loss, stepped = solution.train_step(model, opt, solution.LossScaler(), loss_fn, x, y)
    check("model_seen", model.seen, exact=True)               # autocast on, linears produce bfloat16
    check("loss_seen", loss_fn.seen, exact=True)               # float32 output, autocast off
    check("param_dtypes", [str(p.dtype) for p in model.parameters()], exact=True)
    check("grad_dtypes", [str(p.grad.dtype) for p in model.parameters()], exact=True)
    check("loss", loss, **LOSS_TOL)
    check("params", _params(model), **STATE_TOL)
    ok = (model.seen == [{"autocast": True, "fc1": "torch.bfloat16", "out": "torch.bfloat16", "x": "torch.float32"}]
          and loss_fn.seen == [{"autocast": False, "output": "torch.float32"}])
    assert ok, "forward under bfloat16 autocast, loss outside it on float32"


@pytest.mark.weight(3)
@pytest.mark.parametrize("max_grad_norm", [None, 0.5])
def test_overflowing_scale_backs_off(solution, make_mlp, make_loss, data, check, max_grad_norm):
    """A scale far too large (loss * S = inf in float32): steps are skipped, the scale backs
    off until it fits, then training proceeds and the scale grows again."""
    model = make_mlp(12, 20, 6)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    scaler = solution.LossScaler(init_scale=2.0 ** 140, backoff_factor=2.0 ** -10, growth_interval=2)
    x, y = data(16, 12, 6)
    start = _params(model)
    record = []
    for i in range(6):
        loss, stepped = solution.train_step(model, opt, scaler, make_loss(), x, y, max_grad_norm=max_grad_norm)
        record.append((stepped, scaler.get_scale(), scaler.state_dict()["growth_tracker"]))
        check(f"loss_{i}", loss, **LOSS_TOL)
        if i == 1:
            unchanged = all(torch.equal(start[n], p) for n, p in model.named_parameters())
            check("unchanged_after_skips", unchanged and len(opt.state) == 0, exact=True)
    check("record", record, exact=True)
    check("params", _params(model), **STATE_TOL)
    check("adam_step", sorted({float(s["step"]) for s in opt.state.values()}), exact=True)


@pytest.mark.weight(3)
@pytest.mark.parametrize("max_grad_norm", [0.05, 1e-3])
def test_clipping_applies_to_unscaled_gradients(solution, make_mlp, make_loss, data, check, max_grad_norm):
    model = make_mlp(12, 24, 5)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    scaler = solution.LossScaler(init_scale=2.0 ** 16)
    x, y = data(16, 12, 5, scale=2.0)
    loss, stepped = solution.train_step(model, opt, scaler, make_loss(), x, y, max_grad_norm=max_grad_norm)
    norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())).item()
    check("loss", loss, **LOSS_TOL)
    check("stepped", stepped, exact=True)
    check("grad_norm", norm, rtol=1e-4, atol=0)
    check("grads", _grads(model), **STATE_TOL)
    check("params", _params(model), **STATE_TOL)
    assert norm <= max_grad_norm * (1 + 1e-4), "gradients are clipped to max_grad_norm after unscaling"


@pytest.mark.weight(1)
def test_large_max_grad_norm_changes_nothing(solution, make_mlp, make_loss, data, check):
    model = make_mlp(8, 12, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    scaler = solution.LossScaler(init_scale=2.0 ** 20)
    x, y = data(10, 8, 3)
    loss, stepped = solution.train_step(model, opt, scaler, make_loss(), x, y, max_grad_norm=1e6)
    check("loss", loss, **LOSS_TOL)
    check("grads", _grads(model), **STATE_TOL)
    check("params", _params(model), **STATE_TOL)
    check("scaler", scaler.state_dict(), exact=True)


@pytest.mark.weight(1)
def test_stale_gradients_are_zeroed(solution, make_mlp, make_loss, data, check):
    model = make_mlp(8, 12, 3)
    for p in model.parameters():
        p.grad = torch.full_like(p, 3.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    x, y = data(10, 8, 3)
    x0, y0 = x.clone(), y.clone()
    loss, stepped = solution.train_step(model, opt, solution.LossScaler(init_scale=2.0 ** 8), make_loss(), x, y)
    check("loss", loss, **LOSS_TOL)
    check("grads", _grads(model), **STATE_TOL)
    check("params", _params(model), **STATE_TOL)
    check("inputs_unchanged", bool(torch.equal(x, x0) and torch.equal(y, y0)), exact=True)


@pytest.mark.weight(2)
def test_training_run(solution, make_mlp, make_loss, data, check):
    model = make_mlp(10, 32, 4)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    scaler = solution.LossScaler(init_scale=2.0 ** 12, growth_interval=5)
    x, y = data(32, 10, 4)
    losses, scales = [], []
    for _ in range(25):
        loss, _ = solution.train_step(model, opt, scaler, make_loss(), x, y, max_grad_norm=5.0)
        losses.append(loss)
        scales.append(scaler.get_scale())
    check("losses", losses, rtol=1e-3, atol=1e-5)
    check("scales", scales, exact=True)
    improved = losses[-1] < 0.7 * losses[0]
    check("improved", improved, exact=True)
    assert improved
