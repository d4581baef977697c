"""generate: greedy, sampling, left padding, KV cache, stop tokens, edge lengths."""
import pytest
import torch


def _run(solution, model, ids, mask, n, **kwargs):
    model.calls.clear()
    tokens, logits = solution.generate(model, ids, mask, n, **kwargs)
    assert tokens.dtype == torch.int64 and tokens.shape == (ids.shape[0], n)
    assert logits.dtype == torch.float32 and logits.shape == (ids.shape[0], n, model.vocab_size)
    return tokens, logits, list(model.calls)


@pytest.mark.weight(2)
def test_greedy_batch(solution, check, make_model, prompts):
    model = make_model(48)
    ids, mask = prompts(3, 5, 48, padded=False)
    tokens, logits, calls = _run(solution, model, ids, mask, 8)
    check("tokens", tokens, exact=True)
    check("logits", logits, rtol=1e-4, atol=1e-4)
    check("calls", calls, exact=True)
    # greedy: each token is the argmax of its step's logits
    check("argmax", bool(torch.equal(tokens, logits.argmax(-1))), exact=True)


@pytest.mark.weight(3)
def test_left_padding_matches_rows_alone(solution, check, make_model, prompts):
    model = make_model(40)
    ids, mask = prompts(4, 7, 40)
    tokens, logits, calls = _run(solution, model, ids, mask, 6)
    check("tokens", tokens, exact=True)
    check("logits", logits, rtol=1e-4, atol=1e-4)
    check("calls", calls, exact=True)
    for b in range(ids.shape[0]):
        real = mask[b].bool()
        alone_t, alone_l, _ = _run(solution, model, ids[b:b + 1, real], mask[b:b + 1, real], 6)
        check(f"alone{b}/tokens", alone_t, exact=True)
        same = bool(torch.equal(alone_t[0], tokens[b])) and torch.allclose(alone_l[0], logits[b], rtol=1e-4, atol=1e-4)
        check(f"alone{b}/same", same, exact=True)
        assert same


@pytest.mark.weight(3)
def test_cache_equals_recompute(solution, check, make_model, prompts, make_generator):
    model = make_model(44)
    ids, mask = prompts(3, 6, 44)
    P = ids.shape[1]
    runs = {}
    for mode in (True, False):
        runs[mode] = _run(solution, model, ids, mask, 7, use_cache=mode)
        check(f"cache={mode}/calls", runs[mode][2], exact=True)
        check(f"cache={mode}/logits", runs[mode][1], rtol=1e-4, atol=1e-4)
        check(f"cache={mode}/tokens", runs[mode][0], exact=True)
    assert runs[True][2] == [(P, 0)] + [(1, P + t) for t in range(6)]
    assert runs[False][2] == [(P + t, 0) for t in range(7)]
    close = torch.allclose(runs[True][1], runs[False][1], rtol=1e-4, atol=1e-4)
    check("close", close, exact=True)
    assert close and torch.equal(runs[True][0], runs[False][0])
    # sampled, both modes, same generator seed
    seed = int(make_generator().initial_seed())
    sampled = {}
    for mode in (True, False):
        g = torch.Generator().manual_seed(seed)
        sampled[mode] = _run(solution, model, ids, mask, 7, use_cache=mode, do_sample=True,
                             temperature=1.2, top_k=12, generator=g)
        check(f"sampled/cache={mode}", sampled[mode][0], exact=True)
    assert torch.equal(sampled[True][0], sampled[False][0])


STRATEGIES = {
    "temperature": dict(temperature=0.7),
    "hot": dict(temperature=1.8),
    "top_k": dict(temperature=1.0, top_k=5),
    "top_p": dict(temperature=1.0, top_p=0.8),
    "combined": dict(temperature=1.3, top_k=10, top_p=0.9),
}


@pytest.mark.weight(2)
@pytest.mark.parametrize("name", list(STRATEGIES))
def test_sampling_strategy(solution, check, make_model, prompts, make_generator, name):
    model = make_model(48)
    ids, mask = prompts(4, 5, 48)
    g = make_generator()
    tokens, logits, calls = _run(solution, model, ids, mask, 9, do_sample=True, generator=g, **STRATEGIES[name])
    check("tokens", tokens, exact=True)
    check("logits", logits, rtol=1e-4, atol=1e-4)
    check("calls", calls, exact=True)
    # one multinomial call per step over the whole batch, no other draws
    check("generator_after", torch.rand(4, generator=g), rtol=0, atol=0)


def test_temperature_zero_sampling_is_greedy(solution, check, make_model, prompts, make_generator):
    model = make_model(48)
    ids, mask = prompts(3, 6, 48)
    greedy, greedy_logits, _ = _run(solution, model, ids, mask, 6)
    g = make_generator()
    cold, cold_logits, _ = _run(solution, model, ids, mask, 6, do_sample=True, temperature=0.0, top_k=3,
                                top_p=0.5, generator=g)
    check("cold", cold, exact=True)
    check("same_as_greedy", bool(torch.equal(cold, greedy)), exact=True)
    check("generator_untouched", torch.rand(3, generator=g), rtol=0, atol=0)
    # greedy ignores the sampling arguments and the generator
    g2 = make_generator()
    ignored, _, _ = _run(solution, model, ids, mask, 6, temperature=3.0, top_k=2, top_p=0.3, generator=g2)
    check("greedy_ignores", ignored, exact=True)
    check("generator2_untouched", torch.rand(3, generator=g2), rtol=0, atol=0)


@pytest.mark.weight(1)
def test_sampling_with_one_token_kept_is_greedy(solution, check, make_model, prompts, make_generator):
    """top_k=1 leaves a single token per row: the draw is still made (one per step) and picks it."""
    model = make_model(40)
    ids, mask = prompts(3, 5, 40)
    greedy, _, _ = _run(solution, model, ids, mask, 5)
    g = make_generator()
    one, _, _ = _run(solution, model, ids, mask, 5, do_sample=True, top_k=1, generator=g)
    check("one_kept", one, exact=True)
    check("same_as_greedy", bool(torch.equal(one, greedy)), exact=True)
    check("generator_after", torch.rand(3, generator=g), rtol=0, atol=0)


def test_max_new_tokens_one(solution, check, make_model, prompts, make_generator):
    model = make_model(32)
    ids, mask = prompts(3, 4, 32)
    for mode in (True, False):
        tokens, logits, calls = _run(solution, model, ids, mask, 1, use_cache=mode)
        check(f"cache={mode}/tokens", tokens, exact=True)
        check(f"cache={mode}/logits", logits, rtol=1e-4, atol=1e-4)
        check(f"cache={mode}/calls", calls, exact=True)
    g = make_generator()
    tokens, _, _ = _run(solution, model, ids, mask, 1, do_sample=True, top_p=0.6, generator=g)
    check("sampled", tokens, exact=True)
    try:
        solution.generate(model, ids, mask, 0)
        raised = False
    except ValueError:
        raised = True
    check("zero_raises", raised, exact=True)
    assert raised


def _stops_for(tokens, row_steps):
    """Stop ids such that row r's first stop is at (about) step row_steps[r]."""
    return sorted({int(tokens[r, s]) for r, s in row_steps.items()})


@pytest.mark.weight(3)
def test_stop_tokens_per_row(solution, check, make_model, prompts, make_generator, rng):
    model = make_model(48)
    ids, mask = prompts(3, 5, 48)
    seed = int(make_generator().initial_seed())
    kwargs = dict(do_sample=True, temperature=1.5, top_k=20)
    free, _, _ = _run(solution, model, ids, mask, 10, generator=torch.Generator().manual_seed(seed), **kwargs)
    stops = _stops_for(free, {0: int(rng.integers(0, 3)), 1: int(rng.integers(4, 8))})
    pad = int(rng.integers(0, 48))
    g = torch.Generator().manual_seed(seed)
    tokens, logits, calls = _run(solution, model, ids, mask, 10, generator=g, stop_token_ids=stops,
                                 pad_token_id=pad, **kwargs)
    check("stops", stops, exact=True)
    check("tokens", tokens, exact=True)
    check("logits", logits, rtol=1e-4, atol=1e-4)
    check("calls", calls, exact=True)
    check("generator_after", torch.rand(3, generator=g), rtol=0, atol=0)
    # greedy, every row stops early: generation ends, the rest is padding and zeros
    greedy, _, _ = _run(solution, model, ids, mask, 12)
    stops = sorted({int(greedy[r, int(rng.integers(0, 4))]) for r in range(3)})
    tokens, logits, calls = _run(solution, model, ids, mask, 12, stop_token_ids=tuple(stops), pad_token_id=pad,
                                 use_cache=bool(rng.integers(2)))
    check("all/tokens", tokens, exact=True)
    check("all/logits", logits, rtol=1e-4, atol=1e-4)
    check("all/calls", calls, exact=True)
    check("all/zero_logit_rows", (logits.abs().sum(-1) == 0).sum(-1), exact=True)


def test_inputs_unchanged_and_mask_types(solution, check, make_model, prompts):
    model = make_model(40)
    ids, mask = prompts(3, 6, 40)
    ids_before, mask_before = ids.clone(), mask.clone()
    as_int, _, _ = _run(solution, model, ids, mask, 5)
    bool_mask = mask.bool()
    as_bool, _, _ = _run(solution, model, ids, bool_mask, 5, use_cache=False)
    check("tokens", as_int, exact=True)
    unchanged = (torch.equal(ids, ids_before) and torch.equal(mask, mask_before)
                 and torch.equal(bool_mask, mask_before.bool()) and bool_mask.dtype == torch.bool)
    check("unchanged", unchanged, exact=True)
    check("bool_mask_same", bool(torch.equal(as_int, as_bool)), exact=True)
    assert unchanged
