"""Public examples for the knowledge-distillation problem (the example of spec.md and a step)."""
import pytest
import torch


def _example():
    s = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True)
    t = torch.tensor([[2.0, 1.0, 0.1], [0.5, 0.5, 2.0]])
    y = torch.tensor([1, 2])
    return s, t, y


def test_loss_example(solution):
    s, t, y = _example()
    for T, a, expected in [(2.0, 0.5, 0.3615396), (2.0, 1.0, 0.4579529), (2.0, 0.0, 0.2651263),
                           (1.0, 1.0, 0.3692533)]:
        loss = solution.distillation_loss(s, t, y, temperature=T, alpha=a)
        assert loss.shape == () and loss.dtype == torch.float32
        assert abs(loss.item() - expected) < 1e-5, (T, a, loss.item())
    solution.distillation_loss(s, t, y, temperature=2.0, alpha=0.5).backward()
    expected = torch.tensor([[-0.0472, -0.0045, 0.0517], [-0.0277, -0.0673, 0.0950]])
    assert torch.allclose(s.grad, expected, atol=1e-4)


def test_loss_rejects_bad_arguments(solution):
    s, t, y = _example()
    with pytest.raises(ValueError):
        solution.distillation_loss(s, t, y, temperature=0.0)
    with pytest.raises(ValueError):
        solution.distillation_loss(s, t, y, alpha=1.5)


def test_step_keeps_teacher_unchanged(solution, make_models):
    torch.manual_seed(0)
    teacher, student = make_models(6, 4)
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    x, y = torch.randn(16, 6), torch.randint(0, 4, (16,))
    loss = solution.distillation_step(student, teacher, opt, x, y)
    assert type(loss) is float
    assert teacher.training, "the teacher's mode is restored"
    for k, v in teacher.state_dict().items():
        assert torch.equal(v, before[k]), f"teacher {k} changed"
    assert all(p.grad is None for p in teacher.parameters())
