"""encode: ids, mask, truncation, padding, unknown tokens, empty texts."""
import pytest
import torch


def _encode(solution, check, texts, vocab, max_len):
    snapshot, vocab_snapshot = list(texts), dict(vocab)
    ids, mask = solution.encode(texts, vocab, max_len)
    check("ids", ids, exact=True)
    check("mask", mask, exact=True)
    check("types", [str(ids.dtype), str(mask.dtype), list(ids.shape), list(mask.shape),
                    texts == snapshot, vocab == vocab_snapshot], exact=True)
    return ids, mask


def _corpus(solution, rng, language, specials=("<pad>", "<unk>")):
    train_texts, _ = language.sample(rng, 60)
    vocab = solution.build_vocab(train_texts, min_freq=2, specials=specials)
    texts, _ = language.sample(rng, 25, max_tokens=10, p_unseen=0.15, p_empty=0.1)
    return vocab, texts


@pytest.mark.weight(2)
def test_ids_and_mask(solution, check, rng, language):
    vocab, texts = _corpus(solution, rng, language)
    ids, mask = _encode(solution, check, texts, vocab, max_len=12)
    lengths = [len(t.split()) for t in texts]
    assert mask.sum(dim=1).tolist() == lengths


@pytest.mark.weight(2)
def test_truncation_keeps_first_tokens(solution, check, rng, language):
    vocab, texts = _corpus(solution, rng, language)
    texts += [" ".join(language.noise[:7]) + " " + " ".join(language.keywords[0][:3])]
    ids, mask = _encode(solution, check, texts, vocab, max_len=4)
    assert ids.shape == (len(texts), 4)


@pytest.mark.weight(2)
def test_unknown_and_pad_ids_come_from_vocab(solution, check, rng, language):
    vocab, texts = _corpus(solution, rng, language, specials=("<unk>", "<pad>", "<eos>"))
    texts += [" ".join(language.unseen[:3]), "<pad> " + language.keywords[1][0] + " <UNK>"]
    ids, mask = _encode(solution, check, texts, vocab, max_len=7)
    assert vocab["<unk>"] == 0 and vocab["<pad>"] == 1


@pytest.mark.weight(1)
def test_empty_texts_and_max_len_one(solution, check, rng, language):
    vocab, texts = _corpus(solution, rng, language)
    texts = ["", "   ", "\t\n"] + texts[:4]
    _encode(solution, check, texts, vocab, max_len=1)
    empty_ids, empty_mask = solution.encode([], vocab, 5)
    check("empty_list", [list(empty_ids.shape), list(empty_mask.shape), str(empty_ids.dtype),
                         str(empty_mask.dtype)], exact=True)


@pytest.mark.weight(1)
def test_invalid_max_len(solution, check, rng, language):
    vocab, texts = _corpus(solution, rng, language)
    raised = []
    for bad in (0, -3):
        try:
            solution.encode(texts, vocab, bad)
            raised.append("none")
        except ValueError:
            raised.append("ValueError")
    check("raised", raised, exact=True)
