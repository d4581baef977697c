"""Decoding loop for TinyGPT: greedy, temperature, top-k, top-p, stop tokens, KV cache."""
import torch


def sampling_probs(logits, temperature=1.0, top_k=None, top_p=None):
    """Return float32 (B, V) probabilities after temperature, top-k and top-p filtering."""
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be >= 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    logits = logits.to(torch.float32)
    if temperature == 0:
        best = logits.argmax(dim=-1, keepdim=True)
        return torch.zeros_like(logits).scatter_(-1, best, 1.0)
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = torch.topk(z, top_k, dim=-1).values[..., -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    p = torch.softmax(z, dim=-1)
    if top_p is not None:
        # stable sort of -p: largest first, equal probabilities in increasing token id
        order = torch.sort(-p, dim=-1, stable=True).indices
        sorted_p = p.gather(-1, order)
        before = torch.cumsum(sorted_p, dim=-1) - sorted_p
        keep_sorted = before < top_p
        keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
        p = p * keep
    return p / p.sum(dim=-1, keepdim=True)


def _positions(mask):
    """Position of each token: the number of real tokens before it (padding gets 0)."""
    return (torch.cumsum(mask, dim=-1) - 1).clamp(min=0)


def generate(model, input_ids, attention_mask, max_new_tokens, *, do_sample=False, temperature=1.0,
             top_k=None, top_p=None, generator=None, stop_token_ids=(), pad_token_id=0, use_cache=True):
    """Return (tokens int64 (B, N), logits float32 (B, N, V)) for N = max_new_tokens new tokens."""
    if max_new_tokens < 1:
        raise ValueError("max_new_tokens must be >= 1")
    batch = input_ids.shape[0]
    mask = torch.ones_like(attention_mask, dtype=torch.int64)
    real = attention_mask.to(torch.int64)
    seq = input_ids
    stop = torch.tensor(sorted(set(stop_token_ids)), dtype=torch.int64)
    tokens = torch.full((batch, max_new_tokens), pad_token_id, dtype=torch.int64)
    all_logits = torch.zeros(batch, max_new_tokens, model.vocab_size, dtype=torch.float32)
    stopped = torch.zeros(batch, dtype=torch.bool)
    past = None
    with torch.no_grad():
        for t in range(max_new_tokens):
            positions = _positions(torch.cat([real, mask[:, real.shape[1]:]], dim=1))
            if use_cache and past is not None:
                out, past = model(seq[:, -1:], mask, positions[:, -1:], past_key_values=past)
            else:
                out, new_past = model(seq, mask, positions, past_key_values=None)
                past = new_past if use_cache else None
            step = out[:, -1, :].to(torch.float32)
            if do_sample and temperature > 0:
                probs = sampling_probs(step, temperature, top_k, top_p)
                chosen = torch.multinomial(probs, 1, generator=generator)[:, 0]
            else:
                chosen = step.argmax(dim=-1)
            chosen = torch.where(stopped, torch.full_like(chosen, pad_token_id), chosen)
            tokens[:, t] = chosen
            all_logits[:, t] = torch.where(stopped[:, None], torch.zeros_like(step), step)
            stopped = stopped | torch.isin(chosen, stop)
            if bool(stopped.all()):
                break
            seq = torch.cat([seq, chosen[:, None]], dim=1)
            mask = torch.cat([mask, torch.ones(batch, 1, dtype=torch.int64)], dim=1)
    return tokens, all_logits
