"""apply_lora: selection by name, nested modules, freezing, seeds, training, merging."""
import pytest
import torch
from torch import nn


def _lora_names(solution, model):
    return [n for n, m in model.named_modules() if isinstance(m, solution.LoRALinear)]


@pytest.mark.weight(3)
def test_wraps_nested_layers_by_name(solution, check, make_net, randn):
    net = make_net(d=8, n_blocks=2)
    x = randn(4, 5)
    before = net(x).detach()
    out = solution.apply_lora(net, ["attn.q", "mlp.2", "head"], r=2, alpha=4.0, seed=10)
    assert out is net
    names = _lora_names(solution, net)
    check("wrapped", names, exact=True)
    check("seeds_A", [net.get_submodule(n).lora_A.detach() for n in names], rtol=1e-6, atol=1e-7)
    trainable = sorted(n for n, p in net.named_parameters() if p.requires_grad)
    check("trainable", trainable, exact=True)
    check("count", sum(p.numel() for p in net.parameters() if p.requires_grad), exact=True)
    check("frozen_others", [n for n, p in net.named_parameters() if not p.requires_grad], exact=True)
    after = net(x).detach()
    check("same_output", bool(torch.equal(after, before)), exact=True)
    assert names == ["blocks.0.attn.q", "blocks.0.mlp.2", "blocks.1.attn.q", "blocks.1.mlp.2", "head"]


@pytest.mark.weight(2)
def test_name_matching_rules(solution, check, make_net):
    results = {}
    for name, targets in {"str_q": "q", "k_and_qk": ["k", "attn.qk"], "xattn": ["xattn.q"],
                          "full_name": ["blocks.1.attn.k"], "norm_and_embed": ["norm", "embed"],
                          "sequential_index": ["0"]}.items():
        net = make_net(d=6, n_blocks=2)
        solution.apply_lora(net, targets, r=1, seed=0)
        results[name] = _lora_names(solution, net)
    check("wrapped", results, exact=True)
    assert results["str_q"] == ["blocks.0.attn.q", "blocks.0.xattn.q", "blocks.1.attn.q", "blocks.1.xattn.q"]
    assert results["norm_and_embed"] == ["embed"]          # LayerNorm is not a Linear


def test_no_match_raises_and_freezes(solution, check, make_net):
    net = make_net(d=6, n_blocks=1)
    raised = {}
    for name, targets in {"none": ["nothing"], "partial_word": ["ttn.q"], "not_linear": ["norm"],
                          "root": [""]}.items():
        try:
            solution.apply_lora(net, targets, r=1)
            raised[name] = False
        except ValueError:
            raised[name] = True
    check("raised", raised, exact=True)
    check("frozen", sum(p.requires_grad for p in net.parameters()), exact=True)
    check("no_adapters", len(_lora_names(solution, net)), exact=True)
    assert all(raised.values())


@pytest.mark.weight(2)
def test_training_changes_only_adapters(solution, check, make_net, randn, rng):
    net = make_net(d=8, n_blocks=2)
    frozen_before = {n: p.detach().clone() for n, p in net.named_parameters()}
    solution.apply_lora(net, ["q", "mlp.0"], r=3, alpha=6.0, dropout=0.1, seed=int(rng.integers(100)))
    x, y = randn(16, 5), randn(16, 3)
    params = [p for p in net.parameters() if p.requires_grad]
    torch.manual_seed(int(rng.integers(2**31)))
    losses = []
    net.train()
    for _ in range(5):
        loss = ((net(x) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():                        # plain SGD (no torch.optim: its first use is slow)
            for p, g in zip(params, grads):
                p -= 0.05 * g
        losses.append(float(loss))
    check("losses", losses, rtol=1e-4, atol=1e-5)
    def now(name):                      # where a pre-LoRA parameter lives after wrapping
        prefix, _, leaf = name.rpartition(".")
        module = net.get_submodule(prefix)
        return (module.base if isinstance(module, solution.LoRALinear) else module).get_parameter(leaf)

    unchanged = all(torch.equal(now(n), v) for n, v in frozen_before.items())
    check("frozen_unchanged", unchanged, exact=True)
    net.eval()
    out = net(x).detach()
    check("eval_out", out, rtol=1e-4, atol=1e-5)
    for name in _lora_names(solution, net):
        net.get_submodule(name).merge()
    merged = net(x).detach()
    check("merged_out", merged, rtol=1e-4, atol=1e-5)
    check("merged_close", bool(torch.allclose(merged, out, rtol=1e-4, atol=1e-5)), exact=True)
    assert unchanged and losses[-1] < losses[0]
