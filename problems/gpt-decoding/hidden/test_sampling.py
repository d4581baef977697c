"""sampling_probs: temperature, top-k, top-p, the temperature -> 0 limit, validation."""
import numpy as np
import pytest
import torch


def _far_threshold(rng, sorted_cums, lo=0.1, hi=0.95):
    """A top_p at least ~1e-3 away from every cumulative sum (float64), so every reading of the
    float32 sums agrees on which tokens are kept."""
    cands = rng.uniform(lo, hi, size=200)
    dist = np.abs(cands[:, None] - np.concatenate(sorted_cums)[None, :]).min(axis=1)
    return float(cands[int(dist.argmax())])


def _cums(probs):
    p = np.sort(probs.astype(np.float64), axis=-1)[:, ::-1]
    return [np.cumsum(row) for row in p]


@pytest.mark.weight(2)
def test_temperature_scales_logits_before_softmax(solution, check, randn):
    logits = randn(5, 40, scale=3.0)
    before = logits.clone()
    for temp in (0.35, 1.0, 2.5):
        probs = solution.sampling_probs(logits, temperature=temp)
        assert probs.dtype == torch.float32 and probs.shape == (5, 40)
        check(f"T={temp}", probs, rtol=1e-4, atol=1e-6)
        check(f"T={temp}/row_sums", probs.sum(-1), rtol=1e-5, atol=1e-5)
    check("logits_unchanged", bool(torch.equal(logits, before)), exact=True)


def test_temperature_zero_limit(solution, check, randn):
    logits = randn(4, 30, scale=2.0)
    logits[1, 7] = logits[1, 19] = logits[1].max() + 1.0     # a tie: smallest id wins
    zero = solution.sampling_probs(logits, temperature=0.0)
    check("T=0", zero, exact=True)
    check("T=0/argmax", zero.argmax(-1), exact=True)
    rows = logits[[0, 2, 3]].clone()
    rows[torch.arange(3), rows.argmax(-1)] += 0.1          # a clear winner in each cold row
    cold = solution.sampling_probs(rows, temperature=1e-3)
    check("T=1e-3", cold, rtol=1e-4, atol=1e-5)
    cold_topk = solution.sampling_probs(rows, temperature=1e-3, top_k=5, top_p=0.5)
    check("T=1e-3/filtered", cold_topk, rtol=1e-4, atol=1e-5)


@pytest.mark.weight(2)
def test_top_k_threshold_keeps_ties(solution, check, rng):
    vocab = 24
    # half-integer logits: many ties, also at the k-th value
    logits = torch.from_numpy(rng.integers(-6, 7, size=(6, vocab)) / 2.0).to(torch.float32)
    for k in (1, 3, 7, vocab - 1, vocab, vocab + 5):
        probs = solution.sampling_probs(logits, temperature=1.0, top_k=k)
        check(f"k={k}", probs, rtol=1e-4, atol=1e-6)
        check(f"k={k}/kept", (probs > 0).sum(-1), exact=True)
    hot = solution.sampling_probs(logits, temperature=1.7, top_k=4)
    check("k=4,T=1.7", hot, rtol=1e-4, atol=1e-6)


@pytest.mark.weight(2)
def test_top_p_boundary_and_ties(solution, check, rng):
    """Rows of m equal logits (others -inf): every probability is exactly 1/m, so cumulative sums
    hit top_p exactly; the tied tokens are ranked by token id."""
    vocab = 20
    for m in (4, 8):
        rows = []
        for _ in range(5):
            row = torch.full((vocab,), float("-inf"))
            ids = torch.from_numpy(rng.choice(vocab, size=m, replace=False))
            row[ids] = float(rng.uniform(-2, 2))
            rows.append(row)
        logits = torch.stack(rows)
        for j in range(1, m + 1):
            for name, p in (("exact", j / m), ("above", j / m + 0.5 / m)):
                if p > 1:
                    continue
                probs = solution.sampling_probs(logits, top_p=p)
                check(f"m={m}/p={j}/{m}/{name}", probs, rtol=1e-5, atol=1e-7)
                check(f"m={m}/p={j}/{m}/{name}/kept", (probs > 0).sum(-1), exact=True)


@pytest.mark.weight(2)
def test_top_p_random_logits(solution, check, rng, randn):
    logits = randn(6, 40, scale=2.0)
    probs64 = torch.softmax(logits.double(), -1).numpy()
    for i in range(3):
        p = _far_threshold(rng, _cums(probs64))
        out = solution.sampling_probs(logits, top_p=p)
        check(f"p{i}", out, rtol=1e-4, atol=1e-6)
        check(f"p{i}/kept", (out > 0).sum(-1), exact=True)
    check("p=1", solution.sampling_probs(logits, top_p=1.0), rtol=1e-4, atol=1e-6)
    # a mass tie: two equal logits on top, p inside the first one's share
    logits[:, 3] = logits[:, 11] = logits.max() + 2.0
    tied = solution.sampling_probs(logits, top_p=0.05)
    check("top_tie", tied, rtol=1e-5, atol=1e-7)


@pytest.mark.weight(2)
def test_temperature_top_k_then_top_p(solution, check, rng, randn):
    logits = randn(5, 36, scale=2.5)
    temp, k = 1.6, 9
    z = (logits.double() / temp)
    kth = z.topk(k, -1).values[:, -1:]
    filtered = torch.softmax(z.masked_fill(z < kth, float("-inf")), -1).numpy()
    p = _far_threshold(rng, _cums(filtered), 0.3, 0.9)
    out = solution.sampling_probs(logits, temperature=temp, top_k=k, top_p=p)
    check("combined", out, rtol=1e-4, atol=1e-6)
    check("combined/kept", (out > 0).sum(-1), exact=True)


def test_invalid_arguments_raise(solution, check, randn):
    logits = randn(2, 10)
    cases = {"T<0": dict(temperature=-0.5), "k=0": dict(top_k=0), "p=0": dict(top_p=0.0),
             "p>1": dict(top_p=1.5), "p<0": dict(top_p=-0.2)}
    raised = {}
    for name, kwargs in cases.items():
        try:
            solution.sampling_probs(logits, **kwargs)
            raised[name] = False
        except ValueError:
            raised[name] = True
    check("raised", raised, exact=True)
    assert all(raised.values()), raised
