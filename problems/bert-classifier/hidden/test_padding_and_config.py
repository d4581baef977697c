"""Hidden tests: padding on both sides and mixed in a batch, a batch of one, the pad id
at real positions, non-default configuration values, and where dropout sits.

Dropout draws are implementation-specific, so train-mode outputs are never compared
with the reference's; the dropout tests load weights that make each dropout's place
visible (a LayerNorm with weight 0 outputs its bias whatever came in; a Linear with
weight 0 and bias 0 outputs 0; an identity classifier shows the pooled output).
"""
import numpy as np
import pytest
import torch

TOL = dict(rtol=1e-4, atol=1e-5)


@pytest.mark.weight(2)
@pytest.mark.parametrize("padding", ["both", "mixed"])
def test_padding_on_both_sides_and_mixed(padding, make_model, make_batch, check):
    """Each row of a padded batch gives the logits of that row alone, unpadded (a batch of one)."""
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 6, 11, padding=padding)
    with torch.no_grad():
        logits = model(ids, mask, types)
        seq, pooled = model.encode(ids, mask, types)
        alone = [model(ids[b][mask[b] == 1][None], None, types[b][mask[b] == 1][None])
                 for b in range(ids.shape[0])]
    check("logits", logits, **TOL)
    check("pooled", pooled, **TOL)
    check("sequence_real", seq[mask.bool()], **TOL)
    for b, row in enumerate(alone):
        assert row.shape == (1, cfg["num_labels"])
        assert torch.allclose(row[0], logits[b], rtol=1e-4, atol=1e-5), \
            f"row {b}: padding changed the logits (padding {padding})"


@pytest.mark.weight(2)
@pytest.mark.parametrize("pad_id", [0, 7])
def test_pad_id_at_real_positions_is_a_token(pad_id, make_model, make_batch, rng, check):
    """The mask alone says what is padding: pad_token_id at a real position is an ordinary token."""
    model, cfg = make_model(pad_token_id=pad_id)
    ids, _, types = make_batch(cfg, 3, 8, padding="none")
    where = rng.choice(np.arange(1, 8), size=2, replace=False)
    ids[:, where] = pad_id
    with torch.no_grad():
        implicit = model(ids, token_type_ids=types)
        explicit = model(ids, torch.ones_like(ids), types)
        seq, _ = model.encode(ids, None, types)
    check("implicit", implicit, **TOL)
    check("sequence", seq, **TOL)
    assert torch.allclose(implicit, explicit, rtol=1e-5, atol=1e-6), \
        "attention_mask=None must mean every token is real, whatever the ids"


@pytest.mark.weight(2)
def test_gradients_with_non_default_pad_id(make_model, make_batch, rng, check):
    """pad_token_id=5; ids 0 and 5 at real positions. Only row 5 of word_embeddings (the
    optional padding_idx) is left out of the comparison."""
    model, cfg = make_model(pad_token_id=5)
    ids, mask, types = make_batch(cfg, 4, 9, padding="mixed")
    for b in range(4):
        real = torch.nonzero(mask[b]).flatten()
        ids[b, real[1]] = 0
        ids[b, real[-1]] = 5
    labels = torch.from_numpy(rng.integers(0, cfg["num_labels"], size=4))
    loss = torch.nn.functional.cross_entropy(model(ids, mask, types), labels)
    loss.backward()
    check("loss", loss, **TOL)
    grad = dict(model.named_parameters())["embeddings.word_embeddings.weight"].grad
    keep = torch.ones(cfg["vocab_size"], dtype=torch.bool)
    keep[5] = False
    check("word_embeddings.grad_without_pad_row", grad[keep], **TOL)


@pytest.mark.weight(2)
def test_non_default_layer_norm_eps_and_type_vocab(make_model, make_batch, rng, check):
    model, cfg = make_model(layer_norm_eps=0.5, type_vocab_size=3)
    ids, mask, types = make_batch(cfg, 4, 9, padding="right")
    types = torch.from_numpy(rng.integers(0, 3, size=types.shape)) * mask
    with torch.no_grad():
        logits = model(ids, mask, types)
        seq, _ = model.encode(ids, mask, types)
    check("logits", logits, **TOL)
    check("sequence_real", seq[mask.bool()], **TOL)


@pytest.mark.weight(1)
def test_longest_input(make_model, make_batch, check):
    model, cfg = make_model()
    ids, mask, types = make_batch(cfg, 3, cfg["max_position_embeddings"], padding="mixed")
    with torch.no_grad():
        logits = model(ids, mask, types)
    check("logits", logits, **TOL)


def value_off(cfg):
    """Every layer's value projection 0: attention outputs output.bias whatever its weights."""
    h = cfg["hidden_size"]
    return {f"layers.{n}.attention.value.{w}": torch.zeros((h, h) if w == "weight" else (h,))
            for n in range(cfg["num_hidden_layers"]) for w in ("weight", "bias")}


@pytest.mark.weight(2)
def test_dropout_probabilities_are_separate(make_model, make_batch, torch_seed, check):
    probs = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.5)
    model, cfg = make_model(**probs)
    ids, mask, types = make_batch(cfg, 4, 8, padding="right")
    model.train()
    with torch.no_grad():
        a, b = model(ids, mask, types), model(ids, mask, types)
    assert not torch.allclose(a, b), "attention_probs_dropout_prob had no effect in train mode"

    quiet, _ = make_model(patch=value_off(cfg), **probs)
    with torch.no_grad():
        eval_out = quiet(ids, mask, types)
        quiet.train()
        train_out = quiet(ids, mask, types)
    assert torch.allclose(train_out, eval_out, rtol=1e-5, atol=1e-6), \
        "hidden_dropout_prob=0 but train mode dropped something outside the attention weights"

    noisy, _ = make_model(patch=value_off(cfg), hidden_dropout_prob=0.5,
                          attention_probs_dropout_prob=0.0)
    noisy.train()
    with torch.no_grad():
        a, b = noisy(ids, mask, types), noisy(ids, mask, types)
    assert not torch.allclose(a, b), "hidden_dropout_prob had no effect in train mode"
    model.eval()
    noisy.eval()
    with torch.no_grad():
        check("eval_logits", model(ids, mask, types), **TOL)
        check("value_off_eval_logits", eval_out, **TOL)
        check("value_off_noisy_eval_logits", noisy(ids, mask, types), **TOL)


@pytest.mark.weight(2)
def test_dropout_only_before_residuals_and_classifier(make_model, make_batch, rng, torch_seed, check):
    """One layer whose attention_norm outputs its bias and whose feed-forward outputs 0: with
    dropout where the spec puts it, encode() is deterministic in train mode and the logits of an
    identity classifier are the pooled output, each element dropped or scaled by 1/(1-p)."""
    h, p = 32, 0.5
    beta = torch.from_numpy(rng.standard_normal(h))
    c = torch.from_numpy(rng.standard_normal(h))
    patch = {"layers.0.attention_norm.weight": torch.zeros(h),
             "layers.0.attention_norm.bias": beta,
             "layers.0.output.weight": torch.zeros(h, 64), "layers.0.output.bias": torch.zeros(h),
             "classifier.weight": torch.eye(h), "classifier.bias": c}
    model, cfg = make_model(patch=patch, num_hidden_layers=1, num_labels=h,
                            hidden_dropout_prob=p, attention_probs_dropout_prob=p)
    ids, mask, types = make_batch(cfg, 8, 7, padding="mixed")
    with torch.no_grad():
        seq_eval, pooled_eval = model.encode(ids, mask, types)
        model.train()
        seq_train, pooled_train = model.encode(ids, mask, types)
        logits = model(ids, mask, types)
    check("pooled_eval", pooled_eval, **TOL)
    real = mask.bool()
    assert torch.allclose(seq_train[real], seq_eval[real], rtol=1e-5, atol=1e-6), \
        "dropout after a LayerNorm (the spec puts it before the residual addition)"
    assert torch.allclose(pooled_train, pooled_eval, rtol=1e-5, atol=1e-6), \
        "encode() must return the pooled output before dropout"
    shown = logits - c.float()
    dropped = shown.abs() <= 1e-5
    kept = (shown - pooled_eval / (1 - p)).abs() <= 1e-4 * (1 + pooled_eval.abs() / (1 - p))
    assert torch.all(kept | dropped), "dropout must act on the pooled output, before the classifier"
    frac = float(dropped.float().mean())
    assert 0.35 <= frac <= 0.65, f"{frac:.3f} of the pooled output dropped, expected {p}"
