import torch


def _filter_row(z, top_k, top_p):
    v = z.shape[0]
    z = z.clone()
    if top_k is not None and top_k < v:
        values = sorted(z.tolist(), reverse=True)
        kth = values[top_k - 1]
        for i in range(v):
            if z[i].item() < kth:
                z[i] = float("-inf")
    p = torch.softmax(z, dim=0)
    if top_p is not None:
        order = sorted(range(v), key=lambda i: (-p[i].item(), i))
        total = 0.0
        keep = torch.zeros(v, dtype=torch.bool)
        for i in order:
            if total >= top_p:
                break
            keep[i] = True
            total += p[i].item()
        p = torch.where(keep, p, torch.zeros_like(p))
    return p / p.sum()


def sampling_probs(logits, temperature=1.0, top_k=None, top_p=None):
    if temperature < 0:
        raise ValueError("temperature")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k")
    if top_p is not None and (top_p <= 0 or top_p > 1):
        raise ValueError("top_p")
    rows = []
    for row in logits:
        if temperature == 0:
            one = torch.zeros_like(row)
            one[int(torch.argmax(row))] = 1.0
            rows.append(one)
        else:
            rows.append(_filter_row(row / temperature, top_k, top_p))
    return torch.stack(rows).float()


def generate(model, input_ids, attention_mask, max_new_tokens, *, do_sample=False, temperature=1.0,
             top_k=None, top_p=None, generator=None, stop_token_ids=(), pad_token_id=0, use_cache=True):
    if max_new_tokens < 1:
        raise ValueError("max_new_tokens")
    B, P = input_ids.shape
    V = model.vocab_size
    seqs = [list(map(int, input_ids[b])) for b in range(B)]
    masks = [list(map(int, attention_mask[b])) for b in range(B)]
    tokens = torch.full((B, max_new_tokens), pad_token_id, dtype=torch.long)
    out_logits = torch.zeros(B, max_new_tokens, V)
    done = [False] * B
    stops = set(int(s) for s in stop_token_ids)
    cache = None
    for t in range(max_new_tokens):
        pos = []
        for b in range(B):
            count, row = 0, []
            for m in masks[b]:
                row.append(count if m else 0)
                count += m
            pos.append(row)
        ids_t = torch.tensor(seqs, dtype=torch.long)
        mask_t = torch.tensor(masks, dtype=torch.long)
        pos_t = torch.tensor(pos, dtype=torch.long)
        with torch.no_grad():
            if use_cache and cache is not None:
                out, cache = model(ids_t[:, -1:], mask_t, pos_t[:, -1:], past_key_values=cache)
            else:
                out, cache = model(ids_t, mask_t, pos_t)
        last = out[:, -1]
        if do_sample and temperature > 0:
            probs = sampling_probs(last, temperature, top_k, top_p)
            picked = [int(i) for i in torch.multinomial(probs, 1, generator=generator).view(-1)]
        else:
            picked = [int(torch.argmax(last[b])) for b in range(B)]
        for b in range(B):
            if done[b]:
                picked[b] = pad_token_id
                continue
            tokens[b, t] = picked[b]
            out_logits[b, t] = last[b]
            if picked[b] in stops:
                done[b] = True
        if all(done):
            break
        for b in range(B):
            seqs[b].append(picked[b])
            masks[b].append(1)
    return tokens, out_logits
