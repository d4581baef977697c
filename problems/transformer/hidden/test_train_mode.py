"""Hidden tests: where dropout sits (train mode), constructor defaults, eps, a batch of one.

Dropout draws are implementation-specific, so train-mode outputs are never
compared with the reference's; the tests load weights that make the *place*
of each dropout visible instead:
- v_proj = 0 with bias c and out_proj = identity: every value row is c, so
  head h's output is s * c[h-slice] with s = (sum of the kept weights)/(1-p):
  one factor per query and head when dropout acts on the attention weights;
- out_proj = 0 (or ff2 = 0) switches one sub-layer off, so the other one's
  output, `layer(x) - x`, is visible; with dropout on that output each element
  is either 0 or its eval value / (1-p).
"""
import numpy as np
import pytest
import torch

from conftest import attention_shapes, layer_shapes

TOL = dict(rtol=1e-4, atol=1e-5)


def away_from_zero(rng, n):
    return torch.from_numpy(np.sign(rng.standard_normal(n)) * (0.5 + rng.random(n))).float()


@pytest.mark.weight(2)
def test_train_mode_returns_weights_before_dropout(make_attention, randn, padding_mask,
                                                   torch_seed, check):
    attn = make_attention(16, 2, dropout=0.5)
    x = randn(3, 6, 16)
    pad = padding_mask(3, 6)
    with torch.no_grad():
        _, eval_w = attn(x, key_padding_mask=pad, causal=True, need_weights=True)
        attn.train()
        out, train_w = attn(x, key_padding_mask=pad, causal=True, need_weights=True)
    assert out.shape == (3, 6, 16) and train_w.shape == (3, 2, 6, 6)
    check("train_weights", train_w.permute(0, 2, 1, 3)[~pad], **TOL)
    assert torch.allclose(train_w, eval_w, rtol=1e-5, atol=1e-6), \
        "need_weights=True in train mode must return the weights before dropout"
    assert torch.allclose(train_w.sum(-1), torch.ones(3, 2, 6), atol=1e-5)


@pytest.mark.weight(2)
def test_dropout_acts_on_attention_weights(solution, load_weights, randn, rng, torch_seed, check):
    d, h, p = 16, 2, 0.5
    c = away_from_zero(rng, d)
    patch = {"v_proj.weight": torch.zeros(d, d), "v_proj.bias": c,
             "out_proj.weight": torch.eye(d), "out_proj.bias": torch.zeros(d)}
    attn = load_weights(solution.MultiHeadSelfAttention(d, h, dropout=p), attention_shapes(d),
                        patch=patch)
    x = randn(64, 6, d)
    attn.train()
    with torch.no_grad():
        out = attn(x)
    ratio = (out / c).reshape(64, 6, h, d // h)
    s = ratio[..., :1]
    assert torch.all((ratio - s).abs() <= 1e-4), \
        "dropout must act on the attention weights (one factor per query and head), not on features"
    assert s.min() >= -1e-5 and s.max() <= 1 / (1 - p) + 1e-4, "kept weights are not scaled by 1/(1-p)"
    assert (s - 1).abs().max() > 0.1, "train mode applied no dropout to the attention weights"
    assert abs(float(s.mean()) - 1.0) < 0.15, "attention dropout is biased"
    attn.eval()
    with torch.no_grad():
        check("eval_out", attn(x[:4]), **TOL)     # no dropout in eval mode: every row is c


@pytest.mark.weight(1)
def test_attention_default_dropout_is_zero(solution, load_weights, randn, check):
    attn = load_weights(solution.MultiHeadSelfAttention(16, 2), attention_shapes(16))
    x = randn(4, 5, 16)
    with torch.no_grad():
        attn.eval()
        plain = attn(x)
        attn.train()
        trained = attn(x)
    check("out", plain, **TOL)
    assert torch.allclose(trained, plain, rtol=1e-6, atol=1e-7), \
        "MultiHeadSelfAttention's default dropout is 0.0: train mode must be deterministic"


@pytest.mark.weight(2)
@pytest.mark.parametrize("p", [None, 0.5])          # None: the default dropout=0.1
def test_layer_dropout_on_feed_forward_output(p, solution, load_weights, randn, torch_seed, check):
    d, h, f = 16, 2, 32
    rate = 0.1 if p is None else p
    layer = solution.TransformerEncoderLayer(d, h, f, **({} if p is None else {"dropout": p}))
    patch = {"attn.out_proj.weight": torch.zeros(d, d), "attn.out_proj.bias": torch.zeros(d)}
    load_weights(layer, layer_shapes(d, f), patch=patch)       # attention sub-layer off
    x = randn(64, 5, d)
    with torch.no_grad():
        layer.eval()
        ff_eval = layer(x) - x
        layer.train()
        ff_train = layer(x) - x
    check("ff_eval", ff_eval, **TOL)
    dropped = ff_train.abs() <= 1e-5
    kept = (ff_train - ff_eval / (1 - rate)).abs() <= 1e-4 * (1 + ff_eval.abs() / (1 - rate))
    assert torch.all(kept | dropped), \
        "dropout must act on the feed-forward output only (not inside it, not on the residual)"
    frac = float(dropped.float().mean())
    assert abs(frac - rate) <= 0.05, f"{frac:.3f} of the outputs dropped, the rate is {rate}"


@pytest.mark.weight(2)
def test_layer_dropout_on_attention_output(solution, load_weights, randn, rng, torch_seed, check):
    d, h, f, p = 16, 2, 32, 0.5
    c = away_from_zero(rng, d)
    patch = {"attn.v_proj.weight": torch.zeros(d, d), "attn.v_proj.bias": c,
             "attn.out_proj.weight": torch.eye(d), "attn.out_proj.bias": torch.zeros(d),
             "ff2.weight": torch.zeros(d, f), "ff2.bias": torch.zeros(d)}   # feed-forward off
    layer = load_weights(solution.TransformerEncoderLayer(d, h, f, dropout=p), layer_shapes(d, f),
                         patch=patch)
    x = randn(64, 5, d)
    layer.train()
    with torch.no_grad():
        ratio = ((layer(x) - x) / c).reshape(64, 5, h, d // h)
    zero = ratio.abs() <= 1e-5
    top = ratio.amax(-1, keepdim=True)
    assert torch.all(zero | ((ratio - top).abs() <= 1e-4 * (1 + top.abs()))), \
        "dropout must act on the attention sub-layer's output only (not on the residual)"
    mixed = zero.any(-1) & (~zero).any(-1)
    assert bool(mixed.any()), "no dropout on the attention sub-layer's output"
    frac = float(zero.float().mean())
    assert 0.4 <= frac <= 0.65, f"{frac:.3f} of the attention outputs dropped, expected about 0.52"
    layer.eval()
    with torch.no_grad():
        check("attn_eval", layer(x[:4]) - x[:4], **TOL)   # the attention sub-layer's eval output


@pytest.mark.weight(2)
def test_layer_eps(make_layer, randn, check):
    layer = make_layer(16, 2, 32, eps=1e-2)
    x = randn(3, 5, 16)
    default = make_layer(16, 2, 32)                  # eps=1e-5, visible on tiny inputs
    tiny = 1e-3 * randn(3, 5, 16)
    with torch.no_grad():
        check("out_eps", layer(x), **TOL)
        check("out_default_eps", default(tiny), **TOL)


@pytest.mark.weight(2)
def test_batch_of_one(make_attention, make_layer, randn, check):
    attn = make_attention(16, 4)
    layer = make_layer(16, 4, 32)
    x = randn(1, 6, 16)
    pad = torch.tensor([[False] * 4 + [True] * 2])
    with torch.no_grad():
        out, weights = attn(x, key_padding_mask=pad, causal=True, need_weights=True)
        plain = attn(x)
        layer_out = layer(x, key_padding_mask=pad)
    assert out.shape == (1, 6, 16) and weights.shape == (1, 4, 6, 6) and plain.shape == (1, 6, 16)
    assert layer_out.shape == (1, 6, 16)
    check("out", out[~pad], **TOL)
    check("weights", weights[:, :, :4], **TOL)
    check("plain", plain, **TOL)
    check("layer_out", layer_out[~pad], **TOL)


@pytest.mark.weight(1)
def test_all_false_mask_is_no_mask(make_attention, randn, check):
    attn = make_attention(16, 2)
    x = randn(2, 5, 16)
    with torch.no_grad():
        masked = attn(x, key_padding_mask=torch.zeros(2, 5, dtype=torch.bool), causal=True)
        plain = attn(x, causal=True)
    check("masked", masked, **TOL)
    assert torch.allclose(masked, plain, rtol=1e-6, atol=1e-7)


@pytest.mark.weight(1)
def test_layer_float64(make_layer, randn, padding_mask, check):
    layer = make_layer(16, 2, 32, dtype=torch.float64)      # converted first, then float64 weights
    x = randn(3, 5, 16, dtype=torch.float64)
    pad = padding_mask(3, 5)
    with torch.no_grad():
        out = layer(x, key_padding_mask=pad, causal=True)
    assert out.dtype == torch.float64
    check("out", out[~pad], rtol=1e-9, atol=1e-10)
