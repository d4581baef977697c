"""Hidden tests: the pre-LN TransformerEncoderLayer against the reference with shared weights."""
import pytest
import torch

TOL = dict(rtol=1e-4, atol=1e-5)


@pytest.mark.weight(2)
@pytest.mark.parametrize("d_model,n_heads,d_ff", [(32, 4, 64), (24, 2, 40)])
def test_layer_forward_matches_reference(d_model, n_heads, d_ff, make_layer, randn, check):
    layer = make_layer(d_model, n_heads, d_ff)
    x = randn(3, 6, d_model)
    with torch.no_grad():
        out = layer(x)
    assert out.shape == x.shape
    check("out", out, **TOL)


@pytest.mark.weight(2)
def test_layer_forward_with_masks(make_layer, randn, padding_mask, check):
    layer = make_layer(32, 4, 48)
    x = randn(4, 7, 32)
    pad = padding_mask(4, 7)
    with torch.no_grad():
        out_pad = layer(x, key_padding_mask=pad)
        out_causal = layer(x, causal=True)
        out_both = layer(x, key_padding_mask=pad, causal=True)
    check("out_padding", out_pad[~pad], **TOL)
    check("out_causal", out_causal, **TOL)
    check("out_both", out_both[~pad], **TOL)


@pytest.mark.weight(2)
def test_layer_gradients_match_reference(make_layer, randn, check):
    layer = make_layer(16, 2, 32)
    x = randn(2, 5, 16).requires_grad_(True)
    grad_out = randn(2, 5, 16)
    out = layer(x, causal=True)
    (out * grad_out).sum().backward()
    check("out", out, **TOL)
    check("x.grad", x.grad, **TOL)
    grads = {name: p.grad for name, p in layer.named_parameters()}
    for name in ("norm1.weight", "norm2.weight", "ff1.weight", "ff2.bias",
                 "attn.q_proj.weight", "attn.out_proj.bias"):
        check(f"{name}.grad", grads[name], **TOL)


@pytest.mark.weight(1)
def test_layer_appended_padding_leaves_outputs_unchanged(make_layer, randn, check):
    layer = make_layer(16, 4, 32)
    x = randn(2, 4, 16)
    x_long = torch.cat([x, 2.0 * randn(2, 3, 16)], dim=1)
    pad = torch.zeros(2, 7, dtype=torch.bool)
    pad[:, 4:] = True
    with torch.no_grad():
        short = layer(x)
        long = layer(x_long, key_padding_mask=pad)
    check("short", short, **TOL)
    check("long_real", long[:, :4], **TOL)
    assert torch.allclose(long[:, :4], short, rtol=1e-4, atol=1e-5), \
        "appending padding changed the outputs at real positions"


@pytest.mark.weight(2)
def test_layer_dropout_train_vs_eval(make_layer, randn, torch_seed, check):
    """Eval mode is deterministic and dropout-free; train mode is random; p=0 trains like eval."""
    layer = make_layer(16, 2, 32, dropout=0.3)
    x = randn(2, 6, 16)
    with torch.no_grad():
        first = layer(x)
        second = layer(x)
        layer.train()
        noisy_a = layer(x)
        noisy_b = layer(x)
        layer.eval()
    check("eval_out", first, **TOL)
    assert torch.equal(first, second), "eval mode is not deterministic"
    assert not torch.allclose(noisy_a, noisy_b), "train mode applied no dropout"
    assert not torch.allclose(noisy_a, first), "train mode applied no dropout"

    plain = make_layer(16, 2, 32, dropout=0.0)
    with torch.no_grad():
        plain_eval = plain(x)
        plain.train()
        plain_train = plain(x)
    check("p0_eval", plain_eval, **TOL)
    check("p0_train", plain_train, **TOL)
