"""Public examples for the quantization problem (the examples of spec.md)."""
import torch


def test_asymmetric_example(solution):
    x = torch.tensor([-1.0, 0.0, 0.5, 2.0])
    scale, zp = solution.choose_qparams(x)
    assert scale.dtype == torch.float32 and scale.shape == ()
    assert torch.isclose(scale, torch.tensor(3.0 / 255.0))
    assert int(zp) == -43
    q = solution.quantize(x, scale, zp)
    assert q.dtype == torch.int8
    assert q.tolist() == [-128, -43, -1, 127]
    back = solution.dequantize(q, scale, zp)
    assert float(back[1]) == 0.0                     # 0.0 is exact
    assert torch.all((back - x).abs() <= scale / 2 + 1e-7)


def test_symmetric_uses_max_abs(solution):
    x = torch.tensor([-3.0, 1.0])
    scale, zp = solution.choose_qparams(x, symmetric=True)
    assert torch.isclose(scale, torch.tensor(3.0 / 127.5)) and int(zp) == 0


def test_round_half_to_even_and_clamp(solution):
    q = solution.quantize(torch.tensor([0.5, 1.5, 2.5, -2.5, 1000.0, -1000.0]), torch.tensor(1.0), torch.tensor(0))
    assert q.tolist() == [0, 2, 2, -2, 127, -128]


def test_per_channel_shapes(solution):
    w = torch.tensor([[1.0, -2.0, 0.5], [0.1, 0.2, -0.05]])
    s, z = solution.choose_qparams(w, symmetric=True, axis=0, qmin=-127, qmax=127)
    assert s.shape == (2,) and torch.allclose(s, torch.tensor([2.0 / 127, 0.2 / 127]))
    q = solution.quantize(w, s, z, axis=0, qmin=-127, qmax=127)
    assert q.tolist() == [[64, -127, 32], [64, 127, -32]]


def test_quantized_linear_close_to_float(solution):
    torch.manual_seed(0)
    lin = torch.nn.Linear(16, 4)
    ql = solution.QuantizedLinear.from_float(lin)
    assert ql.weight_int8.dtype == torch.int8 and ql.weight_int8.shape == (4, 16)
    x = torch.randn(8, 16)
    with torch.no_grad():
        err = (ql(x) - lin(x)).norm() / lin(x).norm()
    assert err < 0.02
    model = solution.quantize_model(torch.nn.Sequential(lin, torch.nn.ReLU(), torch.nn.Linear(4, 2)))
    assert sum(isinstance(m, solution.QuantizedLinear) for m in model.modules()) == 2
