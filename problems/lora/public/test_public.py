"""Public examples for lora (the example of spec.md)."""
import torch
from torch import nn


def test_spec_example(solution):
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    lora = solution.LoRALinear(base, r=2, alpha=8.0, seed=0)
    assert lora.scaling == 4.0 and lora.base is base and not base.weight.requires_grad
    assert lora.lora_A.shape == (2, 6) and torch.all(lora.lora_B == 0)
    x = torch.randn(3, 6)
    assert torch.equal(lora(x), base(x))
    with torch.no_grad():
        lora.lora_B.fill_(0.1)
    y = lora.eval()(x)
    w0 = base.weight.detach().clone()
    lora.merge()
    assert torch.allclose(lora(x), y, atol=1e-6)
    lora.unmerge()
    assert torch.equal(base.weight, w0)


def test_rank_too_large(solution):
    try:
        solution.LoRALinear(nn.Linear(6, 4), r=5)
    except ValueError:
        return
    raise AssertionError("r > min(in, out) must raise ValueError")


def test_apply_lora_sequential(solution):
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
    assert solution.apply_lora(model, ["0", "2"], r=2) is model
    assert isinstance(model[0], solution.LoRALinear) and isinstance(model[2], solution.LoRALinear)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 2 * (6 + 8) + 2 * (8 + 2)
