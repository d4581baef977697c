"""Hidden tests: MultiHeadSelfAttention against the reference with shared weights."""
import pytest
import torch

TOL = dict(rtol=1e-4, atol=1e-5)


def real_rows(t, pad):
    """Rows of ``t`` (B, T, ...) at non-padded positions, flattened to (N, ...)."""
    return t[~pad]


@pytest.mark.weight(1)
@pytest.mark.parametrize("n_heads", [1, 2, 4, 8])
def test_forward_matches_reference(n_heads, make_attention, randn, check):
    attn = make_attention(32, n_heads)
    x = randn(3, 7, 32)
    with torch.no_grad():
        out, weights = attn(x, need_weights=True)
    assert out.shape == (3, 7, 32)
    assert weights.shape == (3, n_heads, 7, 7)
    check("out", out, **TOL)
    check("weights", weights, **TOL)


@pytest.mark.weight(2)
def test_gradients_match_reference(make_attention, randn, check):
    attn = make_attention(16, 4)
    x = randn(2, 6, 16).requires_grad_(True)
    grad_out = randn(2, 6, 16)
    out = attn(x)
    (out * grad_out).sum().backward()
    check("out", out, **TOL)
    check("x.grad", x.grad, **TOL)
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        lin = getattr(attn, name)
        check(f"{name}.weight.grad", lin.weight.grad, **TOL)
        check(f"{name}.bias.grad", lin.bias.grad, **TOL)


@pytest.mark.weight(2)
def test_padding_mask(make_attention, randn, padding_mask, check):
    attn = make_attention(24, 3)
    x = randn(5, 9, 24)
    pad = padding_mask(5, 9)
    with torch.no_grad():
        out, weights = attn(x, key_padding_mask=pad, need_weights=True)
    # padded keys get exactly no attention from any query
    blocked = pad[:, None, None, :].expand_as(weights)
    assert torch.all(weights[blocked] == 0), "padded keys received attention"
    check("out", real_rows(out, pad), **TOL)
    check("weights", weights.permute(0, 2, 1, 3)[~pad], **TOL)   # real query rows


@pytest.mark.weight(2)
def test_appended_padding_leaves_outputs_unchanged(make_attention, randn, check):
    attn = make_attention(16, 2)
    x = randn(3, 5, 16)
    junk = 3.0 * randn(3, 4, 16)
    x_long = torch.cat([x, junk], dim=1)
    pad = torch.zeros(3, 9, dtype=torch.bool)
    pad[:, 5:] = True
    with torch.no_grad():
        short = attn(x)
        long = attn(x_long, key_padding_mask=pad)
    check("short", short, **TOL)
    check("long_real", long[:, :5], **TOL)
    assert torch.allclose(long[:, :5], short, rtol=1e-4, atol=1e-5), \
        "appending padded keys changed the outputs at real positions"


@pytest.mark.weight(2)
def test_causal_mask(make_attention, randn, check):
    attn = make_attention(32, 4)
    x = randn(2, 8, 32)
    with torch.no_grad():
        out, weights = attn(x, causal=True, need_weights=True)
    future = torch.ones(8, 8, dtype=torch.bool).triu(1).expand_as(weights)
    assert torch.all(weights[future] == 0), "a query attended to a later position"
    check("out", out, **TOL)
    check("weights", weights, **TOL)


@pytest.mark.weight(2)
def test_future_tokens_do_not_change_earlier_outputs(make_attention, randn, rng, check):
    attn = make_attention(16, 4)
    x = randn(2, 8, 16)
    cut = int(rng.integers(2, 7))
    x_changed = x.clone()
    x_changed[:, cut:] = 3.0 * randn(2, 8 - cut, 16)
    with torch.no_grad():
        out = attn(x, causal=True)
        out_changed = attn(x_changed, causal=True)
    check("out", out, **TOL)
    check("out_changed_prefix", out_changed[:, :cut], **TOL)
    assert torch.allclose(out_changed[:, :cut], out[:, :cut], rtol=1e-4, atol=1e-5), \
        "changing a later token changed an earlier output"


@pytest.mark.weight(2)
def test_causal_and_padding_together(make_attention, randn, padding_mask, check):
    attn = make_attention(24, 4)
    x = randn(4, 7, 24).requires_grad_(True)
    pad = padding_mask(4, 7)
    out, weights = attn(x, key_padding_mask=pad, causal=True, need_weights=True)
    grad_out = randn(4, 7, 24) * (~pad)[:, :, None]
    (out * grad_out).sum().backward()
    check("out", real_rows(out, pad), **TOL)
    check("weights", weights.permute(0, 2, 1, 3)[~pad], **TOL)
    check("x.grad", x.grad, **TOL)


@pytest.mark.weight(1)
def test_single_token(make_attention, randn, check):
    attn = make_attention(16, 4)
    x = randn(3, 1, 16)
    with torch.no_grad():
        out, weights = attn(x, need_weights=True)
        out_causal = attn(x, causal=True)
    assert out.shape == (3, 1, 16)
    check("out", out, **TOL)
    check("out_causal", out_causal, **TOL)
    check("weights", weights, **TOL)


@pytest.mark.weight(1)
def test_float64(make_attention, randn, padding_mask, check):
    attn = make_attention(16, 2, dtype=torch.float64)
    x = randn(3, 6, 16, dtype=torch.float64).requires_grad_(True)
    pad = padding_mask(3, 6)
    out = attn(x, key_padding_mask=pad)
    assert out.dtype == torch.float64
    (out[~pad] ** 2).sum().backward()
    check("out", real_rows(out, pad), rtol=1e-9, atol=1e-10)
    check("x.grad", x.grad, rtol=1e-8, atol=1e-10)


@pytest.mark.weight(2)
def test_dropout_on_attention_weights(make_attention, randn, torch_seed, check):
    """Train mode: dropout is random and unbiased (E[train output] == eval output).
    Eval mode: deterministic."""
    attn = make_attention(16, 2, dropout=0.5)
    x = randn(1, 5, 16).expand(4000, 5, 16).contiguous()
    with torch.no_grad():
        ref = attn(x[:1])
        again = attn(x[:1])
        attn.train()
        noisy = attn(x)
        attn.eval()
        after = attn(x[:1])
    check("eval_out", ref, **TOL)
    assert torch.equal(ref, again) and torch.equal(ref, after), "eval mode is not deterministic"
    assert not torch.allclose(noisy[0], noisy[1]), "train mode applied no dropout"
    spread = noisy.std(dim=0) / (noisy.shape[0] ** 0.5)
    err = (noisy.mean(dim=0) - ref[0]).abs()
    assert torch.all(err <= 6 * spread + 1e-4), "train-mode output is biased: dropout must scale kept units by 1/(1-p)"
    check("train_mean", noisy.mean(dim=0), rtol=0.0, atol=float(6 * spread.max() + 1e-4) * 2)
