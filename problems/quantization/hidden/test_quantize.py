"""Hidden tests: quantize / dequantize (rounding, clamping, round-trip error)."""
import pytest
import torch


@pytest.mark.weight(2)
def test_quantize_matches_reference(solution, randn, rng, check):
    x = randn(6, 9, scale=2.0)
    scale = torch.tensor(float(rng.uniform(0.01, 0.05)), dtype=torch.float32)
    zp = torch.tensor(int(rng.integers(-20, 20)), dtype=torch.int64)
    q = solution.quantize(x, scale, zp)
    assert q.dtype == torch.int8 and q.shape == x.shape, "quantize must return int8 of x's shape"
    check("q_given", q, exact=True)
    check("dequantized_given", solution.dequantize(q, scale, zp), rtol=1e-6, atol=1e-7)
    s2, z2 = solution.choose_qparams(x)
    q2 = solution.quantize(x, s2, z2)
    check("q_chosen", q2, exact=True)
    check("dequantized_chosen", solution.dequantize(q2, s2, z2), rtol=1e-6, atol=1e-7)


@pytest.mark.weight(2)
def test_round_half_to_even(solution, rng, check):
    scale = torch.tensor(0.0625)                    # a power of two: x / scale is exact
    # the second zero point is drawn from the seed and may itself be 0: record names
    # are per case, never per value, so they stay distinct for every seed
    # an odd zero point tells round(v) + zp from round(v + zp) on ties (half to even)
    for case, zp_value in (("zp_zero", 0), ("zp_drawn", 2 * int(rng.integers(-5, 5)) + 1)):
        zp = torch.tensor(zp_value)
        k = torch.arange(-20, 20, dtype=torch.float32)
        ties = (k + 0.5) * 0.0625                   # exactly half-way between two steps
        q = solution.quantize(ties, scale, zp)
        check(f"{case}/ties", q, exact=True)
        near = (k + torch.from_numpy(rng.uniform(0.05, 0.45, size=40)).float()) * 0.0625
        check(f"{case}/not_ties", solution.quantize(near, scale, zp), exact=True)


@pytest.mark.weight(2)
def test_clamping_at_ends(solution, uniform, rng, check):
    x = uniform(-1.0, 1.0, 32)
    scale, zp = solution.choose_qparams(x)
    far = torch.tensor([1.5, -1.5, 3.0, -3.0, 100.0, -100.0, 1e6, -1e6, 3e38, -3e38,
                        float("inf"), float("-inf")], dtype=torch.float32)
    q = solution.quantize(far, scale, zp)
    assert q.dtype == torch.int8
    assert int(q[0::2].min()) == 127 and int(q[1::2].max()) == -128, "values beyond the range must clamp"
    check("far", q, exact=True)
    # a narrower range clamps at its own ends
    q4 = solution.quantize(torch.cat([x, far]), scale, zp, qmin=-8, qmax=7)
    assert int(q4.min()) >= -8 and int(q4.max()) <= 7
    check("narrow", q4, exact=True)
    # per-channel clamping
    w = uniform(-1.0, 1.0, 4, 6)
    s, z = solution.choose_qparams(w, axis=0, symmetric=True)
    wq = solution.quantize(w * 50.0, s, z, axis=0)
    check("per_channel", wq, exact=True)


@pytest.mark.weight(2)
def test_roundtrip_error_at_most_half_step(solution, randn, check):
    cases = [("asym", randn(200, scale=1.5, shift=0.7), {}),
             ("sym", randn(200, scale=0.4), dict(symmetric=True)),
             ("narrow", randn(100, scale=3.0), dict(symmetric=True, qmin=-127, qmax=127))]
    for name, x, kw in cases:
        scale, zp = solution.choose_qparams(x, **kw)
        limits = {k: v for k, v in kw.items() if k in ("qmin", "qmax")}
        q = solution.quantize(x, scale, zp, **limits)
        back = solution.dequantize(q, scale, zp)
        assert back.dtype == torch.float32
        err = (back - x).abs()
        assert float(err.max()) <= 0.5 * float(scale) * (1 + 1e-4) + 1e-12, "round-trip error above half a step"
        check(f"{name}/dequantized", back, rtol=1e-6, atol=1e-7)
        check(f"{name}/max_error_in_steps", float(err.max() / scale), rtol=1e-3, atol=1e-4)
    # per channel, along the last axis
    w = randn(5, 8) * torch.linspace(0.1, 4.0, 8)
    s, z = solution.choose_qparams(w, axis=1)
    back = solution.dequantize(solution.quantize(w, s, z, axis=1), s, z, axis=1)
    assert bool(torch.all((back - w).abs() <= 0.5 * s * (1 + 1e-4) + 1e-12)), "per-channel round trip"
    check("per_channel/dequantized", back, rtol=1e-6, atol=1e-7)


@pytest.mark.weight(1)
def test_inputs_converted_and_left_unchanged(solution, randn, rng, check):
    # float64 inputs are converted to float32 first; no function modifies its arguments
    x64 = randn(7, 5, scale=2.0).to(torch.float64)
    x_copy = x64.clone()
    scale, zp = solution.choose_qparams(x64, axis=1)
    assert scale.dtype == torch.float32 and zp.dtype == torch.int64, "scale float32, zero_point int64"
    s_copy, z_copy = scale.clone(), zp.clone()
    q = solution.quantize(x64, scale, zp, axis=1)
    back = solution.dequantize(q, scale, zp, axis=1)
    assert q.dtype == torch.int8 and back.dtype == torch.float32
    q_copy = q.clone()
    solution.dequantize(q, scale, zp, axis=1)
    assert torch.equal(x64, x_copy) and x64.dtype == torch.float64, "x was modified"
    assert torch.equal(scale, s_copy) and torch.equal(zp, z_copy), "scale or zero_point was modified"
    assert torch.equal(q, q_copy), "q was modified by dequantize"
    check("scale", scale, rtol=1e-6, atol=0.0)
    check("zero_point", zp, exact=True)
    check("q", q, exact=True)
    check("dequantized", back, rtol=1e-6, atol=1e-7)
    # float64 values a hair off a rounding tie: converted to float32 first they sit exactly
    # on the tie (half to even); kept in float64 they round away from it
    k = 2 * int(rng.integers(10, 60))                   # even: the tie rounds to k
    lo, hi = -(k + 0.5) / 16, (254.5 - k) / 16           # scale exactly 1/16 in float32
    near_tie = torch.tensor([lo - 1e-12, hi, 0.3], dtype=torch.float64)
    s_t, z_t = solution.choose_qparams(near_tie)
    check("near_tie/scale", s_t, rtol=1e-6, atol=0.0)
    check("near_tie/zero_point", z_t, exact=True)
    ties = (torch.arange(-20, 20, dtype=torch.float64) + 0.5) / 16 + 1e-12
    check("near_tie/q", solution.quantize(ties, torch.tensor(0.0625), torch.tensor(0)), exact=True)
    # float32 inputs (where .to(torch.float32) returns the same tensor) stay unchanged too
    x32 = randn(5, 4, scale=2.0)
    x32_copy = x32.clone()
    for kw in (dict(axis=0), dict(symmetric=True)):
        s32, z32 = solution.choose_qparams(x32, **kw)
        axis = kw.get("axis")
        s32_copy, z32_copy = s32.clone(), z32.clone()
        q32 = solution.quantize(x32, s32, z32, axis=axis)
        q32_copy = q32.clone()
        back32 = solution.dequantize(q32, s32, z32, axis=axis)
        assert torch.equal(x32, x32_copy), "x was modified"
        assert torch.equal(s32, s32_copy) and torch.equal(z32, z32_copy), "scale or zero_point was modified"
        assert torch.equal(q32, q32_copy), "q was modified by dequantize"
        check(f"f32/{'sym' if axis is None else 'axis0'}/dequantized", back32, rtol=1e-6, atol=1e-7)
