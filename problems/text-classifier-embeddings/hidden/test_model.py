"""MeanEmbeddingClassifier: construction under a seed, logits, padding, empty texts, gradients."""
import pytest
import torch

TOL = dict(rtol=1e-5, atol=1e-6)


def _model(solution, randn, vocab_size, dim, num_classes, pad_id):
    """A model with weights loaded from the test's rng; the pad row is NOT zero."""
    model = solution.MeanEmbeddingClassifier(vocab_size, dim, num_classes, pad_id=pad_id)
    model.load_state_dict({"embedding.weight": randn(vocab_size, dim),
                           "fc.weight": randn(num_classes, dim, scale=0.5),
                           "fc.bias": randn(num_classes, scale=0.5)})
    return model


def _ids(rng, batch, length, vocab_size, pad_id, empty_rows=()):
    """Random ids, each row a random number of real tokens then padding; some rows empty."""
    ids = torch.full((batch, length), pad_id, dtype=torch.long)
    for b in range(batch):
        n = 0 if b in empty_rows else int(rng.integers(1, length + 1))
        row = rng.integers(0, vocab_size - 1, size=n)
        ids[b, :n] = torch.tensor(row + (row >= pad_id), dtype=torch.long)   # never pad_id
    return ids


@pytest.mark.weight(2)
@pytest.mark.parametrize("pad_id", [0, 2])
def test_init_under_seed(solution, check, torch_seed, pad_id):
    model = solution.MeanEmbeddingClassifier(11, 6, 3, pad_id=pad_id)
    after = torch.rand(4)   # nothing else was drawn from the global generator
    state = model.state_dict()
    check("keys", [list(state), model.pad_id, model.embedding.padding_idx], exact=True)
    for key in ("embedding.weight", "fc.weight", "fc.bias"):
        check(key, state[key], rtol=0, atol=0)
    check("pad_row_zero", bool(torch.equal(state["embedding.weight"][pad_id], torch.zeros(6))), exact=True)
    check("next_draw", after, rtol=0, atol=0)


@pytest.mark.weight(3)
@pytest.mark.parametrize("pad_id", [0, 3])
def test_logits_with_given_weights(solution, check, rng, randn, pad_id):
    model = _model(solution, randn, 13, 8, 4, pad_id)
    ids = _ids(rng, 9, 7, 13, pad_id, empty_rows=(4,))
    logits = model(ids)
    check("logits", logits, **TOL)
    check("meta", [list(logits.shape), str(logits.dtype)], exact=True)
    keep = (ids != pad_id).unsqueeze(-1).float()
    w = model.embedding.weight.detach()
    mean = (w[ids] * keep).sum(1) / keep.sum(1).clamp(min=1)
    assert torch.allclose(logits.detach(), model.fc(mean).detach(), atol=1e-5)


@pytest.mark.weight(2)
def test_padding_columns_and_positions_ignored(solution, check, rng, randn):
    pad_id = 1
    model = _model(solution, randn, 10, 5, 3, pad_id)
    ids = _ids(rng, 6, 5, 10, pad_id)
    base = model(ids).detach()
    wide = torch.cat([ids, torch.full((6, 9), pad_id, dtype=torch.long)], dim=1)
    # the same real tokens with padding between them (padding is where ids == pad_id)
    scattered = torch.full((6, 10), pad_id, dtype=torch.long)
    for b in range(6):
        real = ids[b][ids[b] != pad_id]
        slots = torch.tensor(sorted(rng.choice(10, size=len(real), replace=False).tolist()), dtype=torch.long)
        scattered[b, slots] = real
    check("base", base, **TOL)
    check("wide", model(wide).detach(), **TOL)
    check("scattered", model(scattered).detach(), **TOL)
    assert torch.allclose(model(wide), base, atol=1e-5) and torch.allclose(model(scattered), base, atol=1e-5)


@pytest.mark.weight(2)
def test_empty_rows_give_bias_without_nan(solution, check, rng, randn):
    pad_id = 0
    model = _model(solution, randn, 9, 4, 3, pad_id)
    ids = _ids(rng, 5, 6, 9, pad_id, empty_rows=(0, 3))
    all_pad = torch.full((2, 6), pad_id, dtype=torch.long)
    logits = model(ids)
    weights = randn(5, 3)
    (logits * weights).sum().backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    check("logits", logits, **TOL)
    check("all_pad", model(all_pad), **TOL)
    for name, grad in grads.items():
        check(f"grad/{name}", grad, rtol=1e-4, atol=1e-6)
    check("finite", [bool(torch.isfinite(logits).all())] + [bool(torch.isfinite(g).all()) for g in grads.values()],
          exact=True)


@pytest.mark.weight(2)
def test_gradients_and_pad_row(solution, check, rng, randn):
    pad_id = 2
    model = _model(solution, randn, 12, 6, 4, pad_id)
    ids = _ids(rng, 7, 8, 12, pad_id, empty_rows=(6,))
    labels = torch.tensor(rng.integers(0, 4, size=7), dtype=torch.long)
    loss = torch.nn.functional.cross_entropy(model(ids), labels)
    loss.backward()
    grad = model.embedding.weight.grad
    check("loss", loss, rtol=1e-5, atol=1e-6)
    check("grad/embedding", grad, rtol=1e-4, atol=1e-6)
    check("grad/fc.weight", model.fc.weight.grad, rtol=1e-4, atol=1e-6)
    check("pad_row_grad_zero", bool(torch.count_nonzero(grad[pad_id]) == 0), exact=True)


@pytest.mark.weight(1)
def test_batch_of_one_and_length_one(solution, check, rng, randn):
    model = _model(solution, randn, 7, 3, 2, 0)
    one = torch.tensor([[int(rng.integers(1, 7))]], dtype=torch.long)
    out = model(one)
    check("one", out, **TOL)
    check("meta", [list(out.shape), str(out.dtype)], exact=True)
    expected = model.fc(model.embedding.weight[one[0, 0]]).detach()
    assert torch.allclose(out[0].detach(), expected, atol=1e-6)
