"""LoRALinear: construction, initialisation, forward, freezing, gradients, dropout."""
import math

import pytest
import torch
from torch import nn


def _set_B(lora, randn, scale=0.5):
    with torch.no_grad():
        lora.lora_B.copy_(randn(*lora.lora_B.shape, scale=scale))


@pytest.mark.weight(2)
def test_init_A_from_seed_B_zero(solution, check, linear, rng):
    for n_in, n_out, r in ((7, 5, 3), (12, 20, 1), (6, 6, 6)):
        seed = int(rng.integers(2**31))
        before = torch.get_rng_state()
        lora = solution.LoRALinear(linear(n_in, n_out), r, alpha=4.0, seed=seed)
        tag = f"{n_in}x{n_out}r{r}"
        check(f"{tag}/A", lora.lora_A.detach(), rtol=1e-6, atol=1e-7)
        check(f"{tag}/B", lora.lora_B.detach(), exact=True)
        check(f"{tag}/shapes", [list(lora.lora_A.shape), list(lora.lora_B.shape)], exact=True)
        check(f"{tag}/scaling", float(lora.scaling), rtol=1e-12, atol=0)
        check(f"{tag}/attrs", [lora.r, float(lora.alpha), bool(lora.merged)], rtol=0, atol=0)
        check(f"{tag}/global_rng_untouched", bool(torch.equal(before, torch.get_rng_state())), exact=True)
        assert isinstance(lora.lora_A, nn.Parameter) and isinstance(lora.lora_B, nn.Parameter)


def test_new_adapter_computes_base(solution, check, linear, randn):
    base = linear(9, 4)
    x = randn(3, 2, 9)
    expected = base(x).detach()
    lora = solution.LoRALinear(base, 2, alpha=16.0, dropout=0.3, seed=3)
    lora.train()
    out = lora(x)
    check("out", out.detach(), rtol=1e-6, atol=1e-7)
    check("equal_base", bool(torch.equal(out.detach(), expected)), exact=True)


@pytest.mark.weight(3)
def test_forward_scaling_alpha_over_r(solution, check, linear, randn, rng):
    for i, (n_in, n_out, r, alpha) in enumerate(((8, 6, 2, 16.0), (10, 3, 3, 1.0), (5, 9, 4, 6.0))):
        base = linear(n_in, n_out, bias=bool(i % 2 == 0))
        lora = solution.LoRALinear(base, r, alpha=alpha, seed=int(rng.integers(1000))).eval()
        _set_B(lora, randn)
        x = randn(4, 3, n_in) if i == 1 else randn(5, n_in)
        y = lora(x)
        assert y.shape == x.shape[:-1] + (n_out,)
        check(f"case{i}/y", y.detach(), rtol=1e-5, atol=1e-6)
        ref_delta = (x @ lora.lora_A.detach().T @ lora.lora_B.detach().T) * (alpha / r)
        check(f"case{i}/delta", (y - base(x)).detach(), rtol=1e-4, atol=1e-5)
        assert torch.allclose((y - base(x)).detach(), ref_delta, rtol=1e-4, atol=1e-5)
    one = lora(randn(n_in))
    check("1d", one.detach(), rtol=1e-5, atol=1e-6)


@pytest.mark.weight(2)
def test_only_A_and_B_trainable(solution, check, linear):
    base = linear(11, 7)
    lora = solution.LoRALinear(base, 3, alpha=2.0)
    trainable = sorted(n for n, p in lora.named_parameters() if p.requires_grad)
    check("trainable", trainable, exact=True)
    check("count", sum(p.numel() for p in lora.parameters() if p.requires_grad), exact=True)
    check("base_frozen_in_place", [base.weight.requires_grad, base.bias.requires_grad, lora.base is base], exact=True)
    check("state_keys", sorted(lora.state_dict().keys()), exact=True)
    assert trainable == ["lora_A", "lora_B"] and lora.base is base


@pytest.mark.weight(2)
def test_gradients_reach_only_A_and_B(solution, check, linear, randn):
    base = linear(6, 5)
    lora = solution.LoRALinear(base, 2, alpha=3.0, seed=1)
    x, target = randn(8, 6), randn(8, 5)
    w0 = base.weight.detach().clone()
    losses, grads = [], []
    for step in range(3):
        for p in lora.parameters():
            p.grad = None
        loss = ((lora(x) - target) ** 2).mean()
        loss.backward()
        losses.append(float(loss))
        grads.append((lora.lora_A.grad.clone(), lora.lora_B.grad.clone()))
        with torch.no_grad():
            for p in (lora.lora_A, lora.lora_B):
                p -= 0.5 * p.grad
    check("losses", losses, rtol=1e-5, atol=1e-6)
    check("gradA0", grads[0][0], rtol=1e-4, atol=1e-7)       # zero: B starts at zero
    check("gradB0", grads[0][1], rtol=1e-4, atol=1e-6)
    check("gradA2", grads[2][0], rtol=1e-4, atol=1e-6)
    check("base_grads_none", [base.weight.grad is None, base.bias.grad is None], exact=True)
    check("base_unchanged", bool(torch.equal(base.weight, w0)), exact=True)
    assert losses[2] < losses[0]


def test_rank_and_type_validation(solution, check, linear):
    results = {}
    for name, (n_in, n_out, r) in {"r>min": (6, 4, 5), "r=0": (6, 4, 0), "r>in": (3, 8, 4),
                                   "r=min_out": (6, 4, 4), "r=min_in": (3, 8, 3)}.items():
        try:
            solution.LoRALinear(linear(n_in, n_out), r)
            results[name] = "ok"
        except ValueError:
            results[name] = "ValueError"
    try:
        solution.LoRALinear(nn.Conv1d(3, 3, 1), 1)
        results["conv"] = "ok"
    except TypeError:
        results["conv"] = "TypeError"
    check("results", results, exact=True)
    assert results == {"r>min": "ValueError", "r=0": "ValueError", "r>in": "ValueError",
                       "r=min_out": "ok", "r=min_in": "ok", "conv": "TypeError"}


@pytest.mark.weight(2)
def test_dropout_on_lora_path_in_train_mode_only(solution, check, linear, randn, torch_seed):
    base = linear(16, 6)
    lora = solution.LoRALinear(base, 4, alpha=8.0, dropout=0.5, seed=2)
    _set_B(lora, randn)
    x = randn(10, 16)
    lora.train()
    torch.manual_seed(torch_seed)
    y_train = lora(x).detach()
    torch.manual_seed(torch_seed)
    mask = nn.Dropout(0.5)(torch.ones_like(x))              # the mask one dropout call draws
    expected = base(x) + ((x * mask) @ lora.lora_A.T @ lora.lora_B.T) * 2.0
    check("train", y_train, rtol=1e-4, atol=1e-5)
    check("train_matches_one_dropout_call", bool(torch.allclose(y_train, expected.detach(), rtol=1e-4, atol=1e-5)),
          exact=True)
    lora.eval()
    y_eval = lora(x).detach()
    check("eval", y_eval, rtol=1e-5, atol=1e-6)
    check("eval_no_dropout", bool(torch.allclose(y_eval, (base(x) + (x @ lora.lora_A.T @ lora.lora_B.T) * 2.0).detach(),
                                                 rtol=1e-4, atol=1e-5)), exact=True)
    with torch.no_grad():
        lora.lora_B.zero_()
    lora.train()
    check("train_base_path_not_dropped", bool(torch.equal(lora(x).detach(), base(x).detach())), exact=True)
