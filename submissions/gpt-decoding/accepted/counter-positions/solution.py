"""Vectorised, differently from the reference: top-k by kthvalue, top-p on sorted logits with a
shifted cumulative sum, positions from a running counter of real tokens."""
import torch
import torch.nn.functional as F


def sampling_probs(logits, temperature=1.0, top_k=None, top_p=None):
    if temperature < 0 or (top_k is not None and top_k < 1) or (top_p is not None and not (0.0 < top_p <= 1.0)):
        raise ValueError("bad sampling arguments")
    x = logits.float()
    V = x.size(-1)
    if temperature == 0:
        return F.one_hot(x.argmax(-1), V).float()
    x = x / temperature
    if top_k is not None and top_k < V:
        kth = torch.kthvalue(x, V - top_k + 1, dim=-1, keepdim=True).values
        x = torch.where(x >= kth, x, torch.full_like(x, float("-inf")))
    if top_p is not None and top_p < 1.0:
        vals, idx = torch.sort(x, dim=-1, descending=True, stable=True)
        sp = F.softmax(vals, dim=-1)
        cum = sp.cumsum(-1)
        prev = torch.cat([torch.zeros_like(cum[..., :1]), cum[..., :-1]], dim=-1)
        vals = vals.masked_fill(prev >= top_p, float("-inf"))
        x = torch.full_like(x, float("-inf")).scatter(-1, idx, vals)
    return F.softmax(x, dim=-1)


@torch.no_grad()
def generate(model, input_ids, attention_mask, max_new_tokens, *, do_sample=False, temperature=1.0,
             top_k=None, top_p=None, generator=None, stop_token_ids=(), pad_token_id=0, use_cache=True):
    if max_new_tokens < 1:
        raise ValueError("max_new_tokens must be positive")
    B = input_ids.size(0)
    mask = attention_mask.bool()
    n_real = mask.sum(-1)                                   # real tokens so far per row
    pos = torch.where(mask, mask.long().cumsum(-1) - 1, torch.zeros_like(input_ids))
    ids = input_ids.clone()
    out_tok = input_ids.new_full((B, max_new_tokens), pad_token_id)
    out_log = torch.zeros(B, max_new_tokens, model.vocab_size)
    alive = torch.ones(B, dtype=torch.bool)
    stop_set = torch.tensor(list(stop_token_ids), dtype=torch.long)
    past, feed_ids, feed_pos = None, ids, pos
    for t in range(max_new_tokens):
        logits, new_past = model(feed_ids, mask, feed_pos, past_key_values=past)
        step = logits[:, -1]
        if do_sample and temperature > 0:
            nxt = torch.multinomial(sampling_probs(step, temperature, top_k, top_p), 1, generator=generator).squeeze(1)
        else:
            nxt = step.argmax(-1)
        out_tok[alive, t] = nxt[alive]
        out_log[alive, t] = step[alive]
        alive = alive & ~(nxt[:, None] == stop_set[None, :]).any(-1)
        if not alive.any():
            break
        ids = torch.cat([ids, nxt[:, None]], 1)
        mask = torch.cat([mask, torch.ones(B, 1, dtype=torch.bool)], 1)
        new_pos = n_real[:, None].clone()
        n_real = n_real + 1
        pos = torch.cat([pos, new_pos], 1)
        if use_cache:
            past, feed_ids, feed_pos = new_past, nxt[:, None], new_pos
        else:
            feed_ids, feed_pos = ids, pos
    return out_tok, out_log
