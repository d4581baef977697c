"""Hidden tests: QuantizedLinear and quantize_model."""
import numpy as np
import pytest
import torch

OUT_TOL = dict(rtol=1e-5, atol=1e-5)


def _linear(rng, d_in, d_out, bias=True):
    lin = torch.nn.Linear(d_in, d_out, bias=bias)
    with torch.no_grad():
        w = rng.standard_normal((d_out, d_in)) / np.sqrt(d_in)
        w[0] = -np.abs(w[0]) * 2.0              # a row whose largest magnitude is negative
        lin.weight.copy_(torch.from_numpy(w))
        if bias:
            lin.bias.copy_(torch.from_numpy(0.1 * rng.standard_normal(d_out)))
    return lin


@pytest.mark.weight(2)
def test_quantized_linear_weights(solution, rng, check):
    lin = _linear(rng, 24, 10)
    ql = solution.QuantizedLinear.from_float(lin)
    assert ql.weight_int8.dtype == torch.int8 and ql.weight_int8.shape == (10, 24)
    assert ql.weight_scale.shape == (10,)
    assert int(ql.weight_int8.abs().max()) <= 127, "weights use the range [-127, 127]"
    assert ql.weight_scale.dtype == torch.float32 and ql.bias.dtype == torch.float32
    assert type(ql.in_features) is int and type(ql.out_features) is int, "in/out_features are ints"
    assert (ql.in_features, ql.out_features) == (24, 10)
    check("weight_int8", ql.weight_int8, exact=True)
    check("weight_scale", ql.weight_scale, rtol=1e-6, atol=0.0)
    check("bias", ql.bias, rtol=0.0, atol=0.0)
    # the bias is a copy: changing the float layer afterwards changes nothing
    expected_bias = ql.bias.detach().clone()
    with torch.no_grad():
        lin.bias.add_(1.0)
        lin.weight.mul_(2.0)
    assert torch.equal(ql.bias.detach(), expected_bias), "bias must be a copy of the float bias"
    check("bias_after_float_changed", ql.bias, rtol=0.0, atol=0.0)
    check("no_bias", solution.QuantizedLinear.from_float(_linear(rng, 5, 3, bias=False)).bias is None,
          exact=True)


@pytest.mark.weight(2)
def test_quantized_linear_matches_reference(solution, rng, randn, check):
    lin = _linear(rng, 32, 12)
    ql = solution.QuantizedLinear.from_float(lin)
    x3 = randn(2, 3, 32, scale=1.5, shift=0.2)
    x2 = randn(5, 32)
    y3, y2 = ql(x3), ql(x2)
    assert y3.shape == (2, 3, 12) and y2.shape == (5, 12), "output shape"
    assert y3.dtype == torch.float32
    check("y3", y3, **OUT_TOL)
    check("y2", y2, **OUT_TOL)
    nb = solution.QuantizedLinear.from_float(_linear(rng, 32, 4, bias=False))
    check("no_bias", nb(x2), **OUT_TOL)
    # a single row, and a 1-d input (the leading "..." may be empty)
    y_row, y_vec = ql(x2[:1]), ql(x2[0])
    assert y_row.shape == (1, 12) and y_vec.shape == (12,), "output shape for (1, in) and (in,)"
    check("one_row", y_row, **OUT_TOL)
    check("vector", y_vec, **OUT_TOL)


def _bound(lin, x):
    """Worst-case |y_q - y_f| per output for round-to-nearest weights (step s_w, half-step error)
    and activations (step s_x): |x|.|dw| + |w|.|dx| + |dx|.|dw|, summed over inputs."""
    w = lin.weight.detach()
    s_w = w.abs().amax(dim=1) / 127.0
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    s_x = (hi - lo) / 255.0
    d_in = w.shape[1]
    return (0.5 * x.abs().sum(dim=1, keepdim=True) * s_w[None, :]
            + 0.5 * s_x * w.abs().sum(dim=1)[None, :] + 0.25 * s_x * s_w[None, :] * d_in)


@pytest.mark.weight(2)
def test_quantized_linear_close_to_float(solution, rng, randn, check):
    lin = _linear(rng, 48, 16)
    ql = solution.QuantizedLinear.from_float(lin)
    x = randn(20, 48)
    with torch.no_grad():
        yf = lin(x)
    yq = ql(x)
    err = (yq - yf).abs()
    assert bool(torch.all(err <= _bound(lin, x) * (1 + 1e-4) + 1e-6)), "quantized output too far from float"
    rel = float(err.norm() / yf.norm())
    assert rel < 0.02, "relative error above 2%"
    check("y", yq, **OUT_TOL)
    check("relative_error", rel, rtol=1e-3, atol=1e-6)


def _task(rng, n_train, n_test, d=10, classes=3):
    centers = rng.standard_normal((classes, d)) * 0.8

    def draw(n):
        y = rng.integers(0, classes, size=n)
        x = centers[y] + rng.standard_normal((n, d))
        return torch.from_numpy(x).float(), torch.from_numpy(y)

    return draw(n_train), draw(n_test)


@pytest.mark.weight(3)
def test_quantized_model_keeps_accuracy(solution, rng, torch_seed, check):
    (x_train, y_train), (x_test, y_test) = _task(rng, 600, 400)
    model = torch.nn.Sequential(
        torch.nn.Linear(10, 32), torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Linear(32, 32), torch.nn.ReLU()),   # nested
        torch.nn.Linear(32, 3),
    )
    for _ in range(200):                         # plain full-batch gradient descent
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x_train), y_train).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.2 * p.grad
    model.eval()
    with torch.no_grad():
        logits_f = model(x_test)
    acc_f = float((logits_f.argmax(1) == y_test).float().mean())
    qmodel = solution.quantize_model(model)
    with torch.no_grad():
        logits_q = qmodel(x_test)
        again_f = model(x_test)
    assert torch.equal(again_f, logits_f), "quantize_model changed the original model"
    n_linear = sum(isinstance(m, torch.nn.Linear) for m in qmodel.modules())
    n_qlinear = sum(isinstance(m, solution.QuantizedLinear) for m in qmodel.modules())
    assert n_linear == 0 and n_qlinear == 3, "every nn.Linear must be replaced by QuantizedLinear"
    acc_q = float((logits_q.argmax(1) == y_test).float().mean())
    assert acc_q >= acc_f - 0.02, "the quantized model lost more than 2 points of accuracy"
    copied = dict(qmodel.named_modules())
    for name, m in model.named_modules():
        assert name in copied, f"module {name!r} is missing from the quantized model"
        if isinstance(m, torch.nn.Linear):
            assert isinstance(copied[name], solution.QuantizedLinear), f"{name!r} was not replaced"
        else:
            assert type(copied[name]) is type(m), f"module {name!r} was not kept"
    assert sum(isinstance(m, torch.nn.Linear) for m in model.modules()) == 3, "the original model changed"
    check("logits", logits_q, rtol=1e-4, atol=1e-4)
    check("accuracy", acc_q, rtol=0.0, atol=1e-9)
    check("float_accuracy", acc_f, rtol=0.0, atol=1e-9)


@pytest.mark.weight(1)
def test_quantize_model_of_a_bare_linear(solution, rng, randn, check):
    lin = _linear(rng, 12, 5)
    w_before = lin.weight.detach().clone()
    q = solution.quantize_model(lin)
    assert isinstance(q, solution.QuantizedLinear), "quantize_model(nn.Linear) returns a QuantizedLinear"
    assert isinstance(lin, torch.nn.Linear) and torch.equal(lin.weight, w_before), "the original changed"
    x = randn(4, 12)
    check("weight_int8", q.weight_int8, exact=True)
    check("y", q(x), **OUT_TOL)
