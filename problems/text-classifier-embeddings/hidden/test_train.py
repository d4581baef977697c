"""train: the stated optimizer and batch order, edge cases, and learning the synthetic corpus."""
import math

import pytest
import torch


def _setup(solution, rng, language, n, p_empty=0.0, max_len=10, dim=8):
    texts, labels = language.sample(rng, n, p_empty=p_empty)
    vocab = solution.build_vocab(texts, min_freq=1)
    ids, _ = solution.encode(texts, vocab, max_len)
    model = solution.MeanEmbeddingClassifier(len(vocab), dim, language.num_classes, vocab["<pad>"])
    return vocab, ids, labels, model


def _check_state(check, model, name="state"):
    for key, value in model.state_dict().items():
        check(f"{name}/{key}", value, rtol=1e-3, atol=1e-5)


@pytest.mark.weight(3)
def test_losses_and_weights_match(solution, check, rng, language, torch_seed):
    # 33 = 4 batches of 8 and one of 1: the last partial batch is kept
    vocab, ids, labels, model = _setup(solution, rng, language, 33)
    ids0, labels0 = ids.clone(), labels.clone()
    seed = int(rng.integers(0, 1000))
    losses = solution.train(model, ids, labels, epochs=3, lr=0.05, batch_size=8, seed=seed)
    check("count", [len(losses), all(type(x) is float for x in losses)], exact=True)
    check("losses", torch.tensor(losses, dtype=torch.float64), rtol=1e-4, atol=1e-5)
    _check_state(check, model)
    check("inputs_unchanged", [bool(torch.equal(ids, ids0)), bool(torch.equal(labels, labels0))], exact=True)
    assert len(losses) == 3 * math.ceil(33 / 8)


@pytest.mark.weight(2)
def test_uses_own_generator_and_seed(solution, check, rng, language, torch_seed):
    vocab, ids, labels, model = _setup(solution, rng, language, 20)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(torch_seed + 1)
    a = solution.train(model, ids, labels, epochs=2, lr=0.02, batch_size=6, seed=7)
    after = torch.rand(3)   # the global generator was not used by train
    model.load_state_dict(state)
    b = solution.train(model, ids, labels, epochs=2, lr=0.02, batch_size=6, seed=7)
    model.load_state_dict(state)
    c = solution.train(model, ids, labels, epochs=2, lr=0.02, batch_size=6, seed=8)
    check("a", torch.tensor(a, dtype=torch.float64), rtol=1e-4, atol=1e-5)
    check("c", torch.tensor(c, dtype=torch.float64), rtol=1e-4, atol=1e-5)
    check("after", after, rtol=0, atol=0)
    check("same_seed_same_losses", a == b, exact=True)


@pytest.mark.weight(1)
def test_zero_epochs_and_invalid_arguments(solution, check, rng, language, torch_seed):
    vocab, ids, labels, model = _setup(solution, rng, language, 12)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    none = solution.train(model, ids, labels, epochs=0, lr=0.1, batch_size=4)
    unchanged = all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    raised = []
    for epochs, kwargs in ((1, dict(labels=labels[:-1], batch_size=4)), (1, dict(labels=labels, batch_size=0)),
                           (0, dict(labels=labels, batch_size=0)), (1, dict(labels=labels, batch_size=-2))):
        try:
            solution.train(model, ids, epochs=epochs, lr=0.1, seed=0, **kwargs)
            raised.append("none")
        except ValueError:
            raised.append("ValueError")
    check("result", [none == [], unchanged] + raised, exact=True)
    # batch_size 1 is valid: one step per example
    ones = solution.train(model, ids[:5], labels[:5], epochs=1, lr=0.1, batch_size=1, seed=2)
    check("batch_size_one", torch.tensor(ones, dtype=torch.float64), rtol=1e-4, atol=1e-5)


@pytest.mark.weight(2)
def test_empty_texts_in_training_and_pad_row_frozen(solution, check, rng, language, torch_seed):
    vocab, ids, labels, model = _setup(solution, rng, language, 30, p_empty=0.3)
    pad_id = vocab["<pad>"]
    losses = solution.train(model, ids, labels, epochs=2, lr=0.05, batch_size=10, seed=1)
    finite = [math.isfinite(x) for x in losses] + [bool(torch.isfinite(p).all()) for p in model.parameters()]
    check("finite", all(finite), exact=True)
    check("losses", torch.tensor(losses, dtype=torch.float64), rtol=1e-4, atol=1e-5)
    check("pad_row_zero", bool(torch.count_nonzero(model.embedding.weight[pad_id]) == 0), exact=True)
    _check_state(check, model)


@pytest.mark.weight(3)
def test_learns_the_synthetic_corpus(solution, check, rng, language, torch_seed):
    texts, labels = language.sample(rng, 300, max_tokens=12, p_keyword=0.35)
    vocab = solution.build_vocab(texts, min_freq=2)
    ids, _ = solution.encode(texts, vocab, 12)
    model = solution.MeanEmbeddingClassifier(len(vocab), 16, language.num_classes, vocab["<pad>"])
    losses = solution.train(model, ids, labels, epochs=6, lr=0.05, batch_size=32, seed=int(rng.integers(100)))
    test_texts, test_labels = language.sample(rng, 200, max_tokens=12, p_keyword=0.35, p_unseen=0.15)
    test_ids, _ = solution.encode(test_texts, vocab, 12)
    with torch.no_grad():
        accuracy = (model(test_ids).argmax(dim=1) == test_labels).double().mean().item()
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    check("accuracy", accuracy, rtol=0, atol=0.03)
    check("learned", [accuracy >= 0.9, last < 0.5 * first], exact=True)
    check("final_losses", torch.tensor(losses[-3:], dtype=torch.float64), rtol=1e-3, atol=1e-4)
