"""Public examples for text-classifier-embeddings (the example of spec.md and a small training run)."""
import pytest
import torch


def test_vocab_and_encode_example(solution):
    texts = ["the cat sat", "The dog sat", "a cat ran"]
    vocab = solution.build_vocab(texts)
    assert list(vocab.items()) == [("<pad>", 0), ("<unk>", 1), ("cat", 2), ("sat", 3), ("the", 4),
                                   ("a", 5), ("dog", 6), ("ran", 7)]
    ids, mask = solution.encode(["the cat", "a bird sat on the cat", ""], vocab, max_len=4)
    assert ids.dtype == torch.long and mask.dtype == torch.bool
    assert ids.tolist() == [[4, 2, 0, 0], [5, 1, 3, 1], [0, 0, 0, 0]]
    assert mask.tolist() == [[True, True, False, False], [True] * 4, [False] * 4]
    with pytest.raises(ValueError):
        solution.build_vocab(texts, min_freq=0)


def test_model_example(solution):
    vocab = solution.build_vocab(["the cat sat", "The dog sat", "a cat ran"])
    ids, _ = solution.encode(["the cat", "a bird sat on the cat", ""], vocab, max_len=4)
    torch.manual_seed(0)
    model = solution.MeanEmbeddingClassifier(len(vocab), dim=8, num_classes=2, pad_id=vocab["<pad>"])
    assert list(model.state_dict()) == ["embedding.weight", "fc.weight", "fc.bias"]
    assert torch.equal(model.embedding.weight[0], torch.zeros(8))
    logits = model(ids)
    assert logits.shape == (3, 2) and logits.dtype == torch.float32
    expected = torch.tensor([[-0.7604, 0.1171], [0.4137, -0.0018], [-0.3295, 0.3141]])
    assert torch.allclose(logits, expected, atol=1e-4)
    assert torch.equal(logits[2], model.fc.bias)
    # more padding columns change nothing
    wide = torch.cat([ids, torch.zeros(3, 5, dtype=torch.long)], dim=1)
    assert torch.allclose(model(wide), logits, atol=1e-6)
    losses = solution.train(model, ids, torch.tensor([0, 1, 0]), epochs=2, lr=0.1, batch_size=2, seed=0)
    assert len(losses) == 4 and all(type(x) is float for x in losses)
    assert losses == pytest.approx([1.14555, 0.94323, 0.74344, 0.19473], abs=1e-4)


def test_learns_synthetic_corpus(solution, rng, language):
    texts, labels = language.sample(rng, 300)
    vocab = solution.build_vocab(texts, min_freq=2)
    ids, _ = solution.encode(texts, vocab, max_len=12)
    torch.manual_seed(1)
    model = solution.MeanEmbeddingClassifier(len(vocab), 16, language.num_classes, vocab["<pad>"])
    solution.train(model, ids, labels, epochs=8, lr=0.05, batch_size=32, seed=3)
    test_texts, test_labels = language.sample(rng, 200)
    test_ids, _ = solution.encode(test_texts, vocab, max_len=12)
    with torch.no_grad():
        accuracy = (model(test_ids).argmax(dim=1) == test_labels).float().mean().item()
    assert accuracy >= 0.9, accuracy
