"""Hidden tests: parameter names, shapes and counts the spec fixes."""
import pytest

PROJ = ("q_proj", "k_proj", "v_proj", "out_proj")


def expected_layer_shapes(d, f):
    shapes = {}
    for name in PROJ:
        shapes[f"attn.{name}.weight"] = [d, d]
        shapes[f"attn.{name}.bias"] = [d]
    for norm in ("norm1", "norm2"):
        shapes[f"{norm}.weight"] = [d]
        shapes[f"{norm}.bias"] = [d]
    shapes.update({"ff1.weight": [f, d], "ff1.bias": [f], "ff2.weight": [d, f], "ff2.bias": [d]})
    return shapes


def describe(module):
    state = module.state_dict()
    return {k: list(v.shape) for k, v in state.items()}


@pytest.mark.weight(2)
def test_state_dict_keys_shapes_and_count(solution, check):
    attn = solution.MultiHeadSelfAttention(24, 3, dropout=0.1)
    layer = solution.TransformerEncoderLayer(24, 3, 40, dropout=0.1)
    attn_desc, layer_desc = describe(attn), describe(layer)
    check("attention_keys", sorted(attn_desc), exact=True)
    check("attention_shapes", {k: attn_desc[k] for k in sorted(attn_desc)}, exact=True)
    check("layer_keys", sorted(layer_desc), exact=True)
    check("layer_shapes", {k: layer_desc[k] for k in sorted(layer_desc)}, exact=True)
    check("attention_params", sum(p.numel() for p in attn.parameters()), exact=True)
    check("layer_params", sum(p.numel() for p in layer.parameters()), exact=True)
    check("layer_trainable", sum(p.numel() for p in layer.parameters() if p.requires_grad),
          exact=True)
    assert layer_desc == expected_layer_shapes(24, 40), "state_dict keys or shapes differ from the spec"
