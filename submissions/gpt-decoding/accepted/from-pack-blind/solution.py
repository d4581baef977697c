"""Decoding loop for TinyGPT: greedy, temperature, top-k, top-p, stop tokens, KV cache."""
import torch


def _validate(temperature, top_k, top_p):
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be >= 1")
    if top_p is not None and not (0 < top_p <= 1):
        raise ValueError("top_p must be in (0, 1]")


def sampling_probs(logits, temperature=1.0, top_k=None, top_p=None):
    _validate(temperature, top_k, top_p)
    logits = logits.detach()
    B, V = logits.shape
    if temperature == 0:
        idx = torch.argmax(logits, dim=-1)
        out = torch.zeros(B, V, dtype=torch.float32)
        out[torch.arange(B), idx] = 1.0
        return out
    z = logits.to(torch.float32) / temperature
    if top_k is not None and top_k < V:
        kth = torch.topk(z, int(top_k), dim=-1).values[:, -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    p = torch.softmax(z, dim=-1)
    if top_p is not None:
        order = torch.argsort(-p, dim=-1, stable=True)
        sp = torch.gather(p, -1, order)
        before = torch.cat([torch.zeros(B, 1, dtype=sp.dtype), torch.cumsum(sp, dim=-1)[:, :-1]], dim=-1)
        keep_sorted = before < top_p
        keep = torch.zeros_like(keep_sorted)
        keep.scatter_(-1, order, keep_sorted)
        p = torch.where(keep, p, torch.zeros_like(p))
    return (p / p.sum(dim=-1, keepdim=True)).to(torch.float32)


@torch.no_grad()
def generate(model, input_ids, attention_mask, max_new_tokens, *, do_sample=False, temperature=1.0,
             top_k=None, top_p=None, generator=None, stop_token_ids=(), pad_token_id=0, use_cache=True):
    if max_new_tokens < 1:
        raise ValueError("max_new_tokens must be >= 1")
    sampling = do_sample and temperature != 0
    if do_sample:
        _validate(temperature, top_k, top_p)
    ids = input_ids.to(torch.int64)
    pmask = attention_mask.to(torch.int64)
    B, P = ids.shape
    V = model.vocab_size
    ppos = (torch.cumsum(pmask, dim=1) - 1).clamp(min=0)
    n_real = pmask.sum(dim=1)                                  # (B,)
    stops = set(int(s) for s in stop_token_ids)

    tokens = torch.full((B, max_new_tokens), int(pad_token_id), dtype=torch.int64)
    out_logits = torch.zeros(B, max_new_tokens, V, dtype=torch.float32)
    stopped = torch.zeros(B, dtype=torch.bool)
    fed = []            # tokens fed back to the model (valid ids)
    past = None
    for t in range(max_new_tokens):
        if t == 0 or not use_cache:
            if t == 0:
                cur_ids, cur_mask, cur_pos = ids, pmask, ppos
            else:
                gen = torch.stack(fed, dim=1)
                cur_ids = torch.cat([ids, gen], dim=1)
                cur_mask = torch.cat([pmask, torch.ones(B, t, dtype=torch.int64)], dim=1)
                cur_pos = torch.cat([ppos, n_real[:, None] + torch.arange(t)[None, :]], dim=1)
            logits, past = model(cur_ids, cur_mask, cur_pos, past_key_values=None)
        else:
            cur_ids = fed[-1][:, None]
            cur_mask = torch.cat([pmask, torch.ones(B, t, dtype=torch.int64)], dim=1)
            cur_pos = (n_real + (t - 1))[:, None]
            logits, past = model(cur_ids, cur_mask, cur_pos, past_key_values=past)
        step = logits[:, -1, :].to(torch.float32)
        if sampling:
            probs = sampling_probs(step, temperature, top_k, top_p)
            choice = torch.multinomial(probs, 1, generator=generator)[:, 0]
        else:
            choice = torch.argmax(step, dim=-1)
        active = ~stopped
        tokens[active, t] = choice[active]
        out_logits[active, t] = step[active]
        fed.append(torch.where(active, choice, torch.zeros_like(choice)))
        newly = active & torch.tensor([int(c) in stops for c in choice.tolist()], dtype=torch.bool)
        stopped = stopped | newly
        if bool(stopped.all()):
            break
    return tokens, out_logits
