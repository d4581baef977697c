"""tokenize and build_vocab."""
import numpy as np
import pytest

from conftest import join_tokens, random_words


def _strings(values):
    return np.array(list(values), dtype=str)


def _record_vocab(check, name, vocab):
    check(f"{name}_is_dict", type(vocab) is dict, exact=True)
    check(f"{name}_tokens", _strings(vocab.keys()), exact=True)
    check(f"{name}_ids", np.array(list(vocab.values()), dtype=np.int64), exact=True)


def _texts_from_counts(rng, counts, n_texts):
    """Scatter count[w] occurrences of each word over n_texts texts (repeats within a text happen)."""
    bag = [w for w, c in counts.items() for _ in range(c)]
    bag = [bag[i] for i in rng.permutation(len(bag))]
    cuts = np.sort(rng.integers(0, len(bag) + 1, size=n_texts - 1))
    pieces = np.split(np.array(bag, dtype=object), cuts)
    return [join_tokens(rng, list(p)) if len(p) else "" for p in pieces]


def _tied_counts(rng, n_words=18, max_count=5):
    words = random_words(rng, n_words)
    return {w: int(rng.integers(1, max_count + 1)) for w in words}


@pytest.mark.weight(1)
def test_tokenize(solution, check, rng):
    words = random_words(rng, 8) + ["hi,", "there!", "x-y", "a.b"]
    tokens = [words[int(i)] for i in rng.integers(0, len(words), size=15)]
    text = join_tokens(rng, tokens) + "  \t"
    out = solution.tokenize(text)
    check("tokens", _strings(out), exact=True)
    check("edge", [len(solution.tokenize("")), len(solution.tokenize(" \t\n  ")),
                   solution.tokenize("\tOne  TWO\nthree ") == ["one", "two", "three"]], exact=True)
    assert out == [t.lower() for t in tokens]


@pytest.mark.weight(3)
def test_order_by_count_then_alphabetical(solution, check, rng):
    counts = _tied_counts(rng)
    texts = _texts_from_counts(rng, counts, 9)
    vocab = solution.build_vocab(texts)
    _record_vocab(check, "vocab", vocab)
    expected = ["<pad>", "<unk>"] + sorted(counts, key=lambda w: (-counts[w], w))
    assert list(vocab) == expected and list(vocab.values()) == list(range(len(expected)))


@pytest.mark.weight(2)
@pytest.mark.parametrize("min_freq", [2, 3, 5])
def test_min_freq_counts_occurrences(solution, check, rng, min_freq):
    counts = _tied_counts(rng, n_words=20, max_count=6)
    # a word whose occurrences all sit in one text, another spread over texts: both counted fully
    texts = _texts_from_counts(rng, counts, 6)
    texts.append(" ".join(["zzsolo"] * min_freq))
    texts.extend(["yyspread"] * (min_freq - 1))
    vocab = solution.build_vocab(texts, min_freq=min_freq)
    _record_vocab(check, "vocab", vocab)
    check("flags", ["zzsolo" in vocab, "yyspread" in vocab], exact=True)
    counts["zzsolo"], counts["yyspread"] = min_freq, min_freq - 1
    kept = sorted((w for w in counts if counts[w] >= min_freq), key=lambda w: (-counts[w], w))
    assert list(vocab) == ["<pad>", "<unk>"] + kept


@pytest.mark.weight(2)
def test_custom_specials_and_specials_in_texts(solution, check, rng):
    counts = _tied_counts(rng, n_words=10, max_count=4)
    texts = _texts_from_counts(rng, counts, 5)
    texts += ["<unk> " + texts[0], "<CLS> <cls> x", "<pad>"]
    specials = ("<unk>", "<pad>", "<cls>")
    vocab = solution.build_vocab(texts, min_freq=1, specials=specials)
    _record_vocab(check, "vocab", vocab)
    none = solution.build_vocab(texts, min_freq=2, specials=())
    _record_vocab(check, "no_specials", none)
    assert list(vocab)[:3] == list(specials) and len(set(vocab.values())) == len(vocab)


@pytest.mark.weight(1)
def test_invalid_min_freq_and_texts_unchanged(solution, check, rng):
    counts = _tied_counts(rng, n_words=8, max_count=3)
    texts = _texts_from_counts(rng, counts, 4)
    snapshot = list(texts)
    raised = []
    for bad in (0, -1):
        try:
            solution.build_vocab(texts, min_freq=bad)
            raised.append("none")
        except ValueError:
            raised.append("ValueError")
    only_specials = solution.build_vocab(texts, min_freq=max(counts.values()) + 1)
    first = solution.build_vocab(texts)
    first["extra"] = 99
    second = solution.build_vocab(texts)
    check("raised", raised, exact=True)
    check("only_specials", _strings(only_specials.keys()), exact=True)
    check("fresh_dict", ["extra" in second, len(second)], exact=True)
    check("unchanged", texts == snapshot, exact=True)
