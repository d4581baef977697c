"""Public examples for the mixed-precision problem (the example of spec.md and one step)."""
import pytest
import torch


def test_scaler_example(solution):
    scaler = solution.LossScaler(init_scale=8.0, growth_interval=2)
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler.scale((p ** 2).sum()).backward()
    assert torch.equal(p.grad, torch.tensor([16.0, 32.0]))
    assert scaler.step(opt) is True
    assert torch.allclose(p.detach(), torch.tensor([0.8, 1.6]))
    scaler.update()
    assert scaler.get_scale() == 8.0 and scaler.state_dict()["growth_tracker"] == 1
    p.grad = torch.tensor([float("nan"), 1.0])
    assert scaler.step(opt) is False
    assert torch.allclose(p.detach(), torch.tensor([0.8, 1.6]))
    scaler.update()
    assert scaler.state_dict() == {"scale": 4.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                   "growth_interval": 2, "growth_tracker": 0}


def test_unscale_twice_raises(solution):
    scaler = solution.LossScaler(init_scale=4.0)
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler.scale(p.sum()).backward()
    assert scaler.unscale_(opt) is False
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)


def test_train_step_uses_bfloat16_autocast(solution, make_mlp, make_loss):
    torch.manual_seed(0)
    model, loss_fn = make_mlp(), make_loss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 12), torch.randint(0, 5, (8,))
    loss, stepped = solution.train_step(model, opt, solution.LossScaler(), loss_fn, x, y)
    assert type(loss) is float and stepped is True
    assert model.seen[-1] == {"autocast": True, "fc1": "torch.bfloat16", "out": "torch.bfloat16",
                              "x": "torch.float32"}
    assert loss_fn.seen[-1] == {"autocast": False, "output": "torch.float32"}
    assert all(p.dtype == torch.float32 for p in model.parameters())
