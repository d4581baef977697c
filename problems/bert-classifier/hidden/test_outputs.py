"""Hidden tests: BertClassifier outputs against the reference with shared weights."""
import pytest
import torch

TOL = dict(rtol=1e-4, atol=1e-5)


@pytest.mark.weight(3)
def test_logits_match_reference(make_model, make_batch, check):
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 4, 10, padding="none")
    with torch.no_grad():
        logits = model(ids, mask, types)
        seq, pooled = model.encode(ids, mask, types)
    assert logits.shape == (4, cfg["num_labels"])
    assert seq.shape == (4, 10, cfg["hidden_size"]) and pooled.shape == (4, cfg["hidden_size"])
    check("logits", logits, **TOL)
    check("pooled", pooled, **TOL)
    check("sequence", seq, **TOL)


@pytest.mark.weight(2)
@pytest.mark.parametrize("padding", ["right", "left"])
def test_padded_batch_matches_reference(padding, make_model, make_batch, check):
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 5, 12, padding=padding)
    with torch.no_grad():
        logits = model(ids, attention_mask=mask, token_type_ids=types)
        seq, pooled = model.encode(ids, attention_mask=mask, token_type_ids=types)
    check("logits", logits, **TOL)
    check("pooled", pooled, **TOL)
    check("sequence_real", seq[mask.bool()], **TOL)


@pytest.mark.weight(2)
@pytest.mark.parametrize("side", ["right", "left"])
def test_padding_leaves_logits_unchanged(side, make_model, make_batch, rng, check):
    """Adding padding (with junk ids and types) on either side changes no logit."""
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 3, 8, padding="none")
    extra = int(rng.integers(2, 6))
    junk_ids = torch.from_numpy(rng.integers(1, cfg["vocab_size"], size=(3, extra)))
    junk_types = torch.from_numpy(rng.integers(0, 2, size=(3, extra)))
    zeros = torch.zeros(3, extra, dtype=torch.long)
    if side == "right":
        cat = lambda a, b: torch.cat([a, b], dim=1)  # noqa: E731
    else:
        cat = lambda a, b: torch.cat([b, a], dim=1)  # noqa: E731
    with torch.no_grad():
        plain = model(ids, mask, types)
        padded = model(cat(ids, junk_ids), cat(mask, zeros), cat(types, junk_types))
    check("plain", plain, **TOL)
    check("padded", padded, **TOL)
    assert torch.allclose(padded, plain, rtol=1e-4, atol=1e-5), \
        f"adding {side} padding changed the logits"


@pytest.mark.weight(1)
def test_token_type_ids_matter(make_model, make_batch, check):
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 4, 9, padding="right")
    types[:, 1] = 1                                   # every row has a segment-B token
    with torch.no_grad():
        with_types = model(ids, mask, types)
        zero_types = model(ids, mask, torch.zeros_like(types))
        default_types = model(ids, mask)
    check("with_types", with_types, **TOL)
    check("zero_types", zero_types, **TOL)
    assert torch.allclose(default_types, zero_types, rtol=1e-5, atol=1e-6), \
        "token_type_ids=None must mean all zeros"
    assert not torch.allclose(with_types, zero_types, rtol=1e-3, atol=1e-3), \
        "token_type_ids had no effect"


@pytest.mark.weight(1)
def test_no_attention_mask_means_all_real(make_model, make_batch, check):
    model, cfg = make_model()
    ids, _, types = make_batch(cfg, 3, 7, padding="none")
    with torch.no_grad():
        implicit = model(ids, token_type_ids=types)
        explicit = model(ids, torch.ones_like(ids), types)
        as_bool = model(ids, torch.ones_like(ids, dtype=torch.bool), types)
    check("implicit", implicit, **TOL)
    assert torch.allclose(implicit, explicit, rtol=1e-5, atol=1e-6), \
        "attention_mask=None must mean every token is real"
    assert torch.allclose(as_bool, explicit, rtol=1e-5, atol=1e-6), \
        "a bool attention_mask must work like a 0/1 one"


@pytest.mark.weight(1)
def test_single_token(make_model, check):
    model, cfg = make_model()
    ids = torch.tensor([[1], [7], [23]])
    types = torch.tensor([[0], [1], [0]])
    with torch.no_grad():
        logits = model(ids, torch.ones_like(ids), types)
    check("logits", logits, **TOL)


@pytest.mark.weight(1)
@pytest.mark.parametrize("layers,heads,hidden,inter,labels", [
    (1, 1, 16, 32, 2),
    (3, 8, 32, 48, 4),
    (2, 6, 48, 96, 2),
])
def test_other_configurations(layers, heads, hidden, inter, labels, make_model, make_batch, check):
    model, cfg = make_model(num_hidden_layers=layers, num_attention_heads=heads,
                            hidden_size=hidden, intermediate_size=inter, num_labels=labels)
    ids, mask, types = make_batch(cfg, 3, 9, padding="right")
    with torch.no_grad():
        logits = model(ids, mask, types)
    assert logits.shape == (3, labels)
    check("logits", logits, **TOL)


@pytest.mark.weight(3)
def test_gradients_match_reference(make_model, make_batch, rng, check):
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 4, 10, padding="right")
    labels = torch.from_numpy(rng.integers(0, cfg["num_labels"], size=4))
    loss = torch.nn.functional.cross_entropy(model(ids, mask, types), labels)
    loss.backward()
    check("loss", loss, **TOL)
    grads = {name: p.grad for name, p in model.named_parameters()}
    for name in ("classifier.weight", "classifier.bias", "pooler.weight",
                 "layers.1.output_norm.weight", "layers.1.output.weight",
                 "layers.1.intermediate.weight", "layers.0.attention_norm.bias",
                 "layers.0.attention.query.weight", "layers.0.attention.key.weight",
                 "layers.0.attention.value.weight", "layers.0.attention.output.weight",
                 "embeddings.layer_norm.weight", "embeddings.token_type_embeddings.weight",
                 "embeddings.position_embeddings.weight"):
        check(f"{name}.grad", grads[name], **TOL)
    # the padding id's row is left out: whether it has padding_idx is not specified
    check("embeddings.word_embeddings.weight.grad[1:]",
          grads["embeddings.word_embeddings.weight"][1:], **TOL)


@pytest.mark.weight(2)
def test_dropout_train_vs_eval(make_model, make_batch, torch_seed, check):
    """Eval mode: deterministic, no dropout. Train mode: random. Dropout 0: train == eval."""
    model, cfg = make_model(hidden_dropout_prob=0.2, attention_probs_dropout_prob=0.2)
    ids, mask, types = make_batch(cfg, 4, 8, padding="right")
    with torch.no_grad():
        first = model(ids, mask, types)
        second = model(ids, mask, types)
        model.train()
        noisy_a = model(ids, mask, types)
        noisy_b = model(ids, mask, types)
        model.eval()
    check("eval_logits", first, **TOL)
    assert torch.equal(first, second), "eval mode is not deterministic"
    assert not torch.allclose(noisy_a, noisy_b), "train mode applied no dropout"

    plain, _ = make_model(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    with torch.no_grad():
        plain_eval = plain(ids, mask, types)
        plain.train()
        plain_train = plain(ids, mask, types)
    check("p0_eval", plain_eval, **TOL)
    check("p0_train", plain_train, **TOL)
