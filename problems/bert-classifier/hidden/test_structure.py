"""Hidden test: the state_dict keys, shapes and parameter count the spec fixes."""
import pytest

CFG = dict(vocab_size=40, hidden_size=24, num_hidden_layers=3, num_attention_heads=3,
           intermediate_size=40, max_position_embeddings=20, type_vocab_size=3,
           num_labels=5, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
           layer_norm_eps=1e-12, pad_token_id=0)


@pytest.mark.weight(2)
def test_state_dict_keys_and_shapes(solution, check):
    model = solution.BertClassifier(solution.BertConfig(**CFG))
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    check("keys", sorted(shapes), exact=True)
    check("shapes", {k: shapes[k] for k in sorted(shapes)}, exact=True)
    check("parameters", sum(p.numel() for p in model.parameters()), exact=True)
    check("trainable", sum(p.numel() for p in model.parameters() if p.requires_grad), exact=True)
    assert len(shapes) == 9 + 16 * CFG["num_hidden_layers"], "state_dict has the wrong number of keys"
    default = solution.BertConfig()
    check("default_config", [default.vocab_size, default.hidden_size, default.num_hidden_layers,
                             default.num_attention_heads, default.intermediate_size,
                             default.max_position_embeddings, default.type_vocab_size,
                             default.num_labels, default.pad_token_id], exact=True)
