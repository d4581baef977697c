"""merge / unmerge."""
import pytest
import torch


def _trained_lora(solution, linear, randn, n_in=10, n_out=7, r=3, alpha=12.0, bias=True):
    base = linear(n_in, n_out, bias=bias)
    lora = solution.LoRALinear(base, r, alpha=alpha, dropout=0.2, seed=5)
    with torch.no_grad():
        lora.lora_B.copy_(randn(n_out, r, scale=0.4))
    return base, lora.eval()


@pytest.mark.weight(3)
def test_merge_gives_the_same_outputs(solution, check, linear, randn):
    base, lora = _trained_lora(solution, linear, randn)
    x = randn(6, 10)
    before = lora(x).detach()
    weight_obj = base.weight
    w0 = base.weight.detach().clone()
    lora.merge()
    after = lora(x).detach()
    check("merged_flag", bool(lora.merged), exact=True)
    check("after", after, rtol=1e-5, atol=1e-5)
    check("merged_weight", base.weight.detach(), rtol=1e-5, atol=1e-6)
    check("delta", (base.weight - w0).detach(), rtol=1e-4, atol=1e-6)
    check("same_parameter", [base.weight is weight_obj, lora.base.weight is weight_obj,
                             base.weight.requires_grad, base.weight.grad_fn is None], exact=True)
    check("close", bool(torch.allclose(after, before, rtol=1e-5, atol=1e-5)), exact=True)
    # merged: no dropout in train mode either (the update is in the weight)
    lora.train()
    check("merged_train", bool(torch.equal(lora(x).detach(), base(x).detach())), exact=True)


@pytest.mark.weight(3)
def test_unmerge_restores_exactly(solution, check, linear, randn):
    base, lora = _trained_lora(solution, linear, randn, n_in=12, n_out=9, r=4, alpha=40.0, bias=False)
    x = randn(5, 12)
    before = lora(x).detach()
    w0 = base.weight.detach().clone()
    lora.merge()
    lora.unmerge()
    check("flag", bool(lora.merged), exact=True)
    check("weight_bitwise", bool(torch.equal(base.weight, w0)), exact=True)
    check("weight", base.weight.detach(), rtol=0, atol=0)
    check("outputs", lora(x).detach(), rtol=1e-5, atol=1e-5)
    check("outputs_equal", bool(torch.equal(lora(x).detach(), before)), exact=True)
    # a second cycle still works
    lora.merge()
    again = lora(x).detach()
    lora.unmerge()
    check("second_cycle", [bool(torch.allclose(again, before, rtol=1e-5, atol=1e-5)), bool(torch.equal(base.weight, w0))],
          exact=True)


@pytest.mark.weight(2)
def test_merge_twice_and_unmerge_unmerged_raise(solution, check, linear, randn):
    base, lora = _trained_lora(solution, linear, randn, n_in=8, n_out=8, r=2, alpha=4.0)
    x = randn(3, 8)
    w0 = base.weight.detach().clone()
    outcome = {}
    try:
        lora.unmerge()
        outcome["unmerge_first"] = "ok"
    except RuntimeError:
        outcome["unmerge_first"] = "RuntimeError"
    outcome["unchanged_after_bad_unmerge"] = bool(torch.equal(base.weight, w0))
    lora.merge()
    merged_w = base.weight.detach().clone()
    try:
        lora.merge()
        outcome["merge_twice"] = "ok"
    except RuntimeError:
        outcome["merge_twice"] = "RuntimeError"
    outcome["unchanged_after_bad_merge"] = bool(torch.equal(base.weight, merged_w))
    outcome["still_merged"] = bool(lora.merged)
    check("outcome", outcome, exact=True)
    check("merged_out", lora(x).detach(), rtol=1e-5, atol=1e-5)
    lora.unmerge()
    check("restored", bool(torch.equal(base.weight, w0)), exact=True)
    assert outcome["merge_twice"] == "RuntimeError" and outcome["unmerge_first"] == "RuntimeError"
