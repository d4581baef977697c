"""Public example tests for the transformer problem.

Run them with `judge test transformer PATH`. The hidden suite checks much more
(reference outputs with shared weights, gradients, float64, dropout, ...).
"""
import torch


def test_attention_shapes(solution):
    torch.manual_seed(0)
    attn = solution.MultiHeadSelfAttention(8, 2, dropout=0.1).eval()
    x = torch.randn(2, 5, 8)
    out, weights = attn(x, need_weights=True)
    assert out.shape == (2, 5, 8)
    assert weights.shape == (2, 2, 5, 5)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 2, 5), atol=1e-6)
    assert attn(x).shape == (2, 5, 8)


def test_state_dict_keys(solution):
    attn = solution.MultiHeadSelfAttention(8, 2)
    assert sorted(attn.state_dict()) == sorted(
        f"{p}.{w}" for p in ("q_proj", "k_proj", "v_proj", "out_proj") for w in ("weight", "bias"))
    layer = solution.TransformerEncoderLayer(8, 2, 16)
    keys = set(layer.state_dict())
    assert {"norm1.weight", "norm2.bias", "ff1.weight", "ff2.bias", "attn.q_proj.weight"} <= keys
    assert layer.state_dict()["ff1.weight"].shape == (16, 8)


def test_uniform_attention_with_zero_queries(solution):
    """q_proj = k_proj = 0 gives equal scores: every real key gets 1/(number of real keys)."""
    attn = solution.MultiHeadSelfAttention(8, 1).eval()
    with torch.no_grad():
        for lin in (attn.q_proj, attn.k_proj):
            lin.weight.zero_()
            lin.bias.zero_()
        attn.v_proj.weight.copy_(torch.eye(8))
        attn.v_proj.bias.zero_()
        attn.out_proj.weight.copy_(torch.eye(8))
        attn.out_proj.bias.zero_()
    x = torch.arange(48, dtype=torch.float32).reshape(1, 6, 8)
    pad = torch.tensor([[False, False, False, False, True, True]])
    out, weights = attn(x, key_padding_mask=pad, need_weights=True)
    assert torch.allclose(weights[0, 0, :, :4], torch.full((6, 4), 0.25))
    assert torch.all(weights[0, 0, :, 4:] == 0)
    # identity value/output projections: every row is the mean of the 4 real tokens
    assert torch.allclose(out[0], x[0, :4].mean(0).expand(6, 8))


def test_causal_mask(solution):
    torch.manual_seed(1)
    attn = solution.MultiHeadSelfAttention(8, 2).eval()
    x = torch.randn(1, 4, 8)
    with torch.no_grad():
        out, weights = attn(x, causal=True, need_weights=True)
        changed = x.clone()
        changed[0, 3] += 5.0
        out2 = attn(changed, causal=True)
    assert torch.all(weights[0, :, 0, 1:] == 0)
    assert torch.allclose(out[0, :3], out2[0, :3], atol=1e-6)


def test_encoder_layer_eval_is_deterministic(solution):
    torch.manual_seed(2)
    layer = solution.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = torch.randn(2, 3, 8)
    layer.eval()
    with torch.no_grad():
        assert torch.equal(layer(x), layer(x))
        layer.train()
        assert not torch.equal(layer(x), layer(x))


def test_pre_ln_with_zero_sublayers(solution):
    """With ff2 and out_proj zeroed, both sub-layers add 0: a pre-LN layer returns x unchanged."""
    layer = solution.TransformerEncoderLayer(8, 2, 16, dropout=0.0).eval()
    with torch.no_grad():
        for lin in (layer.attn.out_proj, layer.ff2):
            lin.weight.zero_()
            lin.bias.zero_()
    x = torch.randn(2, 3, 8)
    assert torch.allclose(layer(x), x)
