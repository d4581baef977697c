"""Decoding loop for TinyGPT (see spec.md). The model is given: tiny_gpt.py beside the tests."""
import torch


def sampling_probs(logits, temperature=1.0, top_k=None, top_p=None):
    """Return float32 (B, V) probabilities: logits / temperature, top-k (ties with the k-th kept),
    softmax, top-p (smallest prefix reaching top_p, the crossing token kept), renormalised."""
    raise NotImplementedError


def generate(model, input_ids, attention_mask, max_new_tokens, *, do_sample=False, temperature=1.0,
             top_k=None, top_p=None, generator=None, stop_token_ids=(), pad_token_id=0, use_cache=True):
    """Return (tokens int64 (B, max_new_tokens), logits float32 (B, max_new_tokens, V))."""
    raise NotImplementedError
