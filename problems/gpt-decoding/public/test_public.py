"""Public examples for gpt-decoding (the examples of spec.md). tiny_gpt.py is the given model."""
import torch

from tiny_gpt import TinyGPT


def test_sampling_probs_example(solution):
    logits = torch.tensor([[2.0, 1.0, 1.0, 0.0]])
    assert solution.sampling_probs(logits, top_p=0.5).tolist() == [[1.0, 0.0, 0.0, 0.0]]
    p = solution.sampling_probs(logits, top_p=0.7)
    assert torch.allclose(p, torch.tensor([[0.7311, 0.2689, 0.0, 0.0]]), atol=1e-4)
    k = solution.sampling_probs(logits, top_k=2)
    assert (k > 0).tolist() == [[True, True, True, False]]          # tokens tied with the 2nd are kept
    assert solution.sampling_probs(logits, temperature=0.0).tolist() == [[1.0, 0.0, 0.0, 0.0]]


def test_left_padding_and_cache(solution):
    torch.set_num_threads(1)
    model = TinyGPT(vocab_size=48, seed=0)
    ids = torch.tensor([[0, 0, 5, 7], [3, 9, 2, 4]])
    mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    tokens, logits = solution.generate(model, ids, mask, 3)
    assert tokens.shape == (2, 3) and logits.shape == (2, 3, 48)
    assert model.calls == [(4, 0), (1, 4), (1, 5)]
    alone, alone_logits = solution.generate(model, torch.tensor([[5, 7]]), torch.ones(1, 2, dtype=torch.long), 3)
    assert torch.equal(alone[0], tokens[0])
    assert torch.allclose(alone_logits[0], logits[0], atol=1e-4)
    model.calls.clear()
    again, again_logits = solution.generate(model, ids, mask, 3, use_cache=False)
    assert model.calls == [(4, 0), (5, 0), (6, 0)]
    assert torch.equal(again, tokens) and torch.allclose(again_logits, logits, atol=1e-4)


def test_sampling_and_stop_tokens(solution):
    torch.set_num_threads(1)
    model = TinyGPT(vocab_size=48, seed=1)
    ids = torch.tensor([[11, 12, 13], [0, 21, 22]])
    mask = torch.tensor([[1, 1, 1], [0, 1, 1]])
    g = torch.Generator().manual_seed(0)
    free, _ = solution.generate(model, ids, mask, 6, do_sample=True, temperature=1.2, top_k=10, generator=g)
    stop = int(free[0, 1])
    g = torch.Generator().manual_seed(0)
    tokens, logits = solution.generate(model, ids, mask, 6, do_sample=True, temperature=1.2, top_k=10,
                                       generator=g, stop_token_ids=[stop], pad_token_id=47)
    first = int((tokens[0] == stop).nonzero()[0])
    assert first <= 1 and torch.equal(tokens[0, :first + 1], free[0, :first + 1])
    assert (tokens[0, first + 1:] == 47).all() and (logits[0, first + 1:] == 0).all()
