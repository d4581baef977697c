"""Hidden tests: choose_qparams (scale and zero point)."""
import pytest
import torch

SCALE_TOL = dict(rtol=1e-6, atol=0.0)


def _qp(solution, x, **kw):
    scale, zp = solution.choose_qparams(x, **kw)
    scale, zp = torch.as_tensor(scale), torch.as_tensor(zp)
    assert scale.dtype == torch.float32, "scale must be float32"
    assert zp.dtype == torch.int64, "zero_point must be an int64 tensor"
    return scale, zp


@pytest.mark.weight(2)
def test_asymmetric_per_tensor(solution, randn, uniform, check):
    tensors = [randn(50, scale=3.0, shift=0.5), randn(4, 7, scale=0.1, shift=-0.05),
               randn(2, 3, 5, scale=10.0), uniform(-0.3, 2.0, 64)]
    for i, x in enumerate(tensors):
        scale, zp = _qp(solution, x)
        assert scale.shape == () and zp.shape == (), "per-tensor qparams must be 0-d"
        assert -128 <= int(zp) <= 127, "zero point outside [qmin, qmax]"
        check(f"scale{i}", scale, **SCALE_TOL)
        check(f"zero_point{i}", zp, exact=True)
        check(f"q{i}", solution.quantize(x, scale, zp), exact=True)
    # a narrower integer range
    scale, zp = _qp(solution, tensors[0], qmin=-8, qmax=7)
    check("int4/scale", scale, **SCALE_TOL)
    check("int4/zero_point", zp, exact=True)


@pytest.mark.weight(2)
def test_symmetric_per_tensor(solution, randn, check):
    neg_heavy = -randn(40).abs() * 4.0 + randn(40, scale=0.5)   # |min| > max
    pos_heavy = randn(6, 6).abs() * 2.0 - 0.3                    # max > |min|
    for i, x in enumerate([neg_heavy, pos_heavy]):
        for qmin, qmax in [(-128, 127), (-127, 127), (-8, 7)]:
            scale, zp = _qp(solution, x, symmetric=True, qmin=qmin, qmax=qmax)
            assert int(zp) == 0, "symmetric zero point must be 0"
            check(f"x{i}/{qmin}/scale", scale, **SCALE_TOL)
            check(f"x{i}/{qmin}/zero_point", zp, exact=True)
            q = solution.quantize(x, scale, zp, qmin=qmin, qmax=qmax)
            check(f"x{i}/{qmin}/q", q, exact=True)


@pytest.mark.weight(2)
def test_zero_point_in_range_and_zero_exact(solution, uniform, randn, check):
    tensors = {
        "positive": uniform(1.0, 5.0, 30),        # one-sided: the range must still contain 0
        "negative": uniform(-7.0, -2.0, 30),
        "relu": torch.relu(randn(40)),
        "zeros": torch.zeros(8),
        "tiny": uniform(-1e-9, 1e-9, 10),          # scale floored at float32 eps
        "mixed": randn(25, scale=2.0),
    }
    for name, x in tensors.items():
        for symmetric in (False, True):
            scale, zp = _qp(solution, x, symmetric=symmetric)
            assert float(scale) > 0, "scale must be positive"
            assert -128 <= int(zp) <= 127, "zero point outside [qmin, qmax]"
            z = torch.zeros(3)
            zq = solution.quantize(z, scale, zp)
            back = solution.dequantize(zq, scale, zp)
            assert torch.equal(back, torch.zeros(3)), "0.0 is not exactly representable"
            tag = f"{name}/{'sym' if symmetric else 'asym'}"
            check(f"{tag}/scale", scale, **SCALE_TOL)
            check(f"{tag}/zero_point", zp, exact=True)
            check(f"{tag}/q", solution.quantize(x, scale, zp), exact=True)
            check(f"{tag}/zero_roundtrip", back, exact=True)


@pytest.mark.weight(1)
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_per_channel_axis(solution, randn, rng, check, axis):
    x = randn(3, 4, 5)
    channels = x.shape[axis]
    # very different ranges per channel, and a different offset per channel
    factor = torch.from_numpy(10.0 ** rng.uniform(-2, 1, size=channels)).float()
    offset = torch.from_numpy(rng.uniform(-1, 1, size=channels)).float()
    shape = [1, 1, 1]
    shape[axis] = channels
    x = x * factor.reshape(shape) + offset.reshape(shape) * factor.reshape(shape)
    for symmetric in (False, True):
        scale, zp = _qp(solution, x, symmetric=symmetric, axis=axis)
        assert scale.shape == (channels,) and zp.shape == (channels,), "per-channel qparams shape"
        q = solution.quantize(x, scale, zp, axis=axis)
        assert q.dtype == torch.int8 and q.shape == x.shape
        back = solution.dequantize(q, scale, zp, axis=axis)
        tag = "sym" if symmetric else "asym"
        check(f"{tag}/scale", scale, **SCALE_TOL)
        check(f"{tag}/zero_point", zp, exact=True)
        check(f"{tag}/q", q, exact=True)
        check(f"{tag}/dequantized", back, rtol=1e-6, atol=1e-7)
    # a narrowed range, per channel
    scale, zp = _qp(solution, x, axis=axis, qmin=-8, qmax=7)
    q = solution.quantize(x, scale, zp, axis=axis, qmin=-8, qmax=7)
    assert int(q.min()) >= -8 and int(q.max()) <= 7
    check("int4/scale", scale, **SCALE_TOL)
    check("int4/zero_point", zp, exact=True)
    check("int4/q", q, exact=True)


@pytest.mark.weight(1)
def test_per_channel_one_dimensional(solution, randn, check):
    # a 1-d tensor with axis=0: every element is its own channel (lo = hi = that element)
    x = torch.cat([randn(6, scale=3.0), torch.zeros(1)])
    for axis in (0, -1):
        for symmetric in (False, True):
            scale, zp = _qp(solution, x, symmetric=symmetric, axis=axis)
            assert scale.shape == (7,) and zp.shape == (7,), "one scale and zero point per element"
            q = solution.quantize(x, scale, zp, axis=axis)
            back = solution.dequantize(q, scale, zp, axis=axis)
            tag = f"axis{axis}/{'sym' if symmetric else 'asym'}"
            check(f"{tag}/scale", scale, **SCALE_TOL)
            check(f"{tag}/zero_point", zp, exact=True)
            check(f"{tag}/q", q, exact=True)
            check(f"{tag}/dequantized", back, rtol=1e-6, atol=1e-7)
