"""Shared fixtures for the bert-classifier hidden suite.

Every model is built from the submission's BertConfig/BertClassifier, then
loaded (strictly) with a state_dict drawn from the test's ``rng`` using the
parameter names and shapes the spec fixes, so reference and candidate run
with identical weights whatever their own initialisation.
"""
import math

import numpy as np
import pytest
import torch

BASE = dict(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, max_position_embeddings=24, type_vocab_size=2,
            num_labels=3, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
            layer_norm_eps=1e-12, pad_token_id=0)


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


def expected_shapes(cfg):
    """The state_dict the spec fixes: key -> shape."""
    h, i = cfg["hidden_size"], cfg["intermediate_size"]
    shapes = {
        "embeddings.word_embeddings.weight": (cfg["vocab_size"], h),
        "embeddings.position_embeddings.weight": (cfg["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": (cfg["type_vocab_size"], h),
        "embeddings.layer_norm.weight": (h,),
        "embeddings.layer_norm.bias": (h,),
        "pooler.weight": (h, h),
        "pooler.bias": (h,),
        "classifier.weight": (cfg["num_labels"], h),
        "classifier.bias": (cfg["num_labels"],),
    }
    for n in range(cfg["num_hidden_layers"]):
        p = f"layers.{n}."
        for lin in ("query", "key", "value", "output"):
            shapes[f"{p}attention.{lin}.weight"] = (h, h)
            shapes[f"{p}attention.{lin}.bias"] = (h,)
        shapes[f"{p}intermediate.weight"] = (i, h)
        shapes[f"{p}intermediate.bias"] = (i,)
        shapes[f"{p}output.weight"] = (h, i)
        shapes[f"{p}output.bias"] = (h,)
        for norm in ("attention_norm", "output_norm"):
            shapes[f"{p}{norm}.weight"] = (h,)
            shapes[f"{p}{norm}.bias"] = (h,)
    return shapes


def random_state(rng, shapes):
    state = {}
    for key in sorted(shapes):
        shape = shapes[key]
        if key.startswith("embeddings.") and len(shape) == 2:       # embedding tables
            arr = rng.standard_normal(shape)
        elif len(shape) == 2:                                        # Linear (out, in)
            arr = rng.standard_normal(shape) / math.sqrt(shape[1])
        elif "norm" in key and key.endswith(".weight"):
            arr = 1.0 + 0.2 * rng.standard_normal(shape)
        else:
            arr = 0.2 * rng.standard_normal(shape)
        state[key] = torch.from_numpy(np.ascontiguousarray(arr)).float()
    return state


@pytest.fixture
def make_model(solution, rng):
    """make_model(patch=None, **config_overrides) -> (model in eval mode with seeded weights,
    config dict); ``patch`` (key -> tensor) replaces some of the seeded weights."""

    def make(patch=None, **overrides):
        cfg = {**BASE, **overrides}
        model = solution.BertClassifier(solution.BertConfig(**cfg))
        state = random_state(rng, expected_shapes(cfg))
        for key, value in (patch or {}).items():
            state[key] = value.float()
        model.load_state_dict(state, strict=True)
        return model.eval(), cfg

    return make


@pytest.fixture
def make_batch(rng):
    """make_batch(cfg, B, T, padding) -> (input_ids, attention_mask, token_type_ids), int64.

    padding: "none", "right", "left", "both" (padding on both sides) or "mixed"
    (each row right, left, both sides or none at random). Row 0 is never
    padded; every row has >= 2 real tokens. The first real token is the [CLS]
    id 1, padded positions hold random junk ids anywhere in the vocabulary
    (pad_token_id included: the mask, not the id, says what is padding) and
    junk token types; real tokens are never the pad id (see the tests that put
    it at real positions); token types are 0 then 1 from a random split point
    inside the real tokens.
    """

    def make(cfg, batch, length, padding="right"):
        vocab, pad_id = cfg["vocab_size"], cfg["pad_token_id"]
        ids = rng.integers(0, vocab, size=(batch, length))
        real_ids = rng.integers(2, vocab - 1, size=(batch, length))
        real_ids[real_ids >= pad_id] += 1                   # never the pad id
        mask = np.ones((batch, length), dtype=np.int64)
        types = rng.integers(0, cfg["type_vocab_size"], size=(batch, length))
        for b in range(batch):
            real = length if padding == "none" or b == 0 else int(rng.integers(2, length))
            side = padding
            if padding == "mixed":
                side = ("none", "right", "left", "both")[int(rng.integers(0, 4))]
                real = length if side == "none" else real
            if side in ("none", "right"):
                start = 0
            elif side == "left":
                start = length - real
            else:
                start = int(rng.integers(1, length - real)) if length - real >= 2 else 0
            ids[b, start:start + real] = real_ids[b, start:start + real]
            types[b, start:start + real] = 0
            mask[b, :] = 0
            mask[b, start:start + real] = 1
            ids[b, start] = 1
            split = start + int(rng.integers(1, real + 1))
            types[b, split:start + real] = 1
        return (torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types))

    return make
