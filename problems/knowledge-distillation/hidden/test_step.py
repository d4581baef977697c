"""Hidden tests: distillation_step (teacher frozen and in eval mode, student trained)."""
import pytest
import torch

STATE_TOL = dict(rtol=1e-4, atol=1e-6)
LOSS_TOL = dict(rtol=1e-4, atol=1e-7)


class CountingSGD(torch.optim.SGD):
    """SGD that counts its steps and its zero_grad calls."""

    def __init__(self, params, **kw):
        super().__init__(params, **kw)
        self.steps = 0

    def step(self, closure=None):
        self.steps += 1
        return super().step(closure)


def _snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _batch(randn, labels, n, d, c):
    return randn(n, d, scale=1.3), labels(n, c)


def _run_step(solution, seed, student, teacher, opt, x, y, **kw):
    torch.manual_seed(seed)                # dropout masks: the same for reference and candidate
    return solution.distillation_step(student, teacher, opt, x, y, **kw)


@pytest.mark.weight(3)
@pytest.mark.parametrize("teacher_mode", ["train", "eval"])
def test_step_matches_reference(solution, make_models, randn, labels, torch_seed, check, teacher_mode):
    teacher, student = make_models(8, 5)
    teacher.train(teacher_mode == "train")
    opt = torch.optim.SGD(student.parameters(), lr=0.2, momentum=0.9)
    x, y = _batch(randn, labels, 24, 8, 5)
    loss = _run_step(solution, torch_seed, student, teacher, opt, x, y, temperature=3.0, alpha=0.7)
    assert type(loss) is float, "the loss is returned as a Python float"
    check("loss", loss, **LOSS_TOL)
    check("student_state", _snapshot(student), **STATE_TOL)
    check("student_grads", {n: p.grad.clone() for n, p in student.named_parameters()}, **STATE_TOL)
    loss2 = _run_step(solution, torch_seed + 1, student, teacher, opt, x, y, temperature=3.0, alpha=0.7)
    check("loss2", loss2, **LOSS_TOL)
    check("student_state2", _snapshot(student), **STATE_TOL)


@pytest.mark.weight(3)
def test_teacher_unchanged(solution, make_models, randn, labels, torch_seed, check):
    teacher, student = make_models(8, 4)
    teacher.train()                        # handed over in train mode: it must still run in eval mode
    before = _snapshot(teacher)
    flags = [p.requires_grad for p in teacher.parameters()]
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    x, y = _batch(randn, labels, 16, 8, 4)
    for i in range(2):
        _run_step(solution, torch_seed + i, student, teacher, opt, x, y)
    after = _snapshot(teacher)
    same = {k: bool(torch.equal(before[k], after[k])) for k in before}
    check("teacher_state_unchanged", same, exact=True)
    check("teacher_state", after, rtol=0, atol=0)
    check("teacher_training", [m.training for m in teacher.modules()], exact=True)
    check("teacher_requires_grad", [p.requires_grad for p in teacher.parameters()] == flags, exact=True)
    check("teacher_grad_none", [p.grad is None for p in teacher.parameters()], exact=True)
    assert all(same.values()), "teacher parameters and buffers must not change"


@pytest.mark.weight(2)
def test_teacher_in_eval_mode_restored(solution, make_models, randn, labels, torch_seed, check):
    teacher, student = make_models(6, 3)
    teacher.eval()
    before = _snapshot(teacher)
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    x, y = _batch(randn, labels, 12, 6, 3)
    loss = _run_step(solution, torch_seed, student, teacher, opt, x, y, temperature=2.0, alpha=1.0)
    check("loss", loss, **LOSS_TOL)
    check("teacher_training", [m.training for m in teacher.modules()], exact=True)
    check("teacher_state", _snapshot(teacher), rtol=0, atol=0)
    assert all(torch.equal(before[k], v) for k, v in _snapshot(teacher).items())


@pytest.mark.weight(2)
@pytest.mark.parametrize("student_mode", ["train", "eval"])
def test_student_trained_in_train_mode_and_restored(solution, make_models, randn, labels, torch_seed,
                                                      check, student_mode):
    teacher, student = make_models(8, 4)
    student.train(student_mode == "train")
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    x, y = _batch(randn, labels, 20, 8, 4)
    loss = _run_step(solution, torch_seed, student, teacher, opt, x, y, temperature=2.0, alpha=0.5)
    check("loss", loss, **LOSS_TOL)
    # BatchNorm running statistics of the student are updated (train mode), dropout was active
    check("student_state", _snapshot(student), **STATE_TOL)
    check("student_training", [m.training for m in student.modules()], exact=True)


@pytest.mark.weight(2)
def test_zero_grad_and_exactly_one_step(solution, make_models, randn, labels, torch_seed, check):
    teacher, student = make_models(8, 4)
    for p in student.parameters():         # stale gradients from an earlier computation
        p.grad = torch.full_like(p, 0.5)
    opt = CountingSGD(student.parameters(), lr=0.05, momentum=0.5)
    x, y = _batch(randn, labels, 16, 8, 4)
    loss = _run_step(solution, torch_seed, student, teacher, opt, x, y, temperature=4.0, alpha=0.5)
    check("steps", opt.steps, exact=True)
    check("loss", loss, **LOSS_TOL)
    check("student_grads", {n: p.grad.clone() for n, p in student.named_parameters()}, **STATE_TOL)
    check("student_state", _snapshot(student), **STATE_TOL)
    assert opt.steps == 1, "exactly one optimizer step"


@pytest.mark.weight(1)
def test_adam_state_after_one_step(solution, make_models, randn, labels, torch_seed, check):
    teacher, student = make_models(5, 3)
    opt = torch.optim.Adam(student.parameters(), lr=1e-2)
    x, y = _batch(randn, labels, 10, 5, 3)
    loss = _run_step(solution, torch_seed, student, teacher, opt, x, y, temperature=1.0, alpha=0.9)
    steps = sorted({int(st["step"]) for st in opt.state.values()})
    check("adam_steps", steps, exact=True)
    check("loss", loss, **LOSS_TOL)
    check("student_state", _snapshot(student), **STATE_TOL)
    check("exp_avg", [opt.state[p]["exp_avg"].clone() for p in student.parameters()], **STATE_TOL)


@pytest.mark.weight(1)
def test_batch_not_modified(solution, make_models, randn, labels, torch_seed, check):
    teacher, student = make_models(6, 3)
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    x, y = _batch(randn, labels, 8, 6, 3)
    x0, y0 = x.clone(), y.clone()
    loss = _run_step(solution, torch_seed, student, teacher, opt, x, y, temperature=2.0, alpha=0.5)
    unchanged = bool(torch.equal(x, x0) and torch.equal(y, y0))
    check("loss", loss, **LOSS_TOL)
    check("unchanged", unchanged, exact=True)
    assert unchanged


@pytest.mark.weight(2)
def test_student_learns_from_teacher(solution, make_models, randn, check, torch_seed):
    teacher, student = make_models(10, 4, teacher_hidden=48, student_hidden=16)
    teacher.eval()
    x = randn(64, 10, scale=1.2)
    with torch.no_grad():
        y = teacher(x).argmax(dim=1)        # the teacher's own predictions as labels
    x_test = randn(128, 10, scale=1.2)
    with torch.no_grad():
        y_test = teacher(x_test).argmax(dim=1)
    teacher.train()
    opt = torch.optim.Adam(student.parameters(), lr=2e-2)

    def agreement():
        student.eval()
        with torch.no_grad():
            return float((student(x_test).argmax(dim=1) == y_test).float().mean())

    before = agreement()
    losses = [_run_step(solution, torch_seed + i, student, teacher, opt, x, y, temperature=2.0, alpha=0.5)
              for i in range(40)]
    after = agreement()
    check("losses", losses, rtol=1e-3, atol=1e-5)
    check("agreement", [before, after], rtol=0, atol=0.05)
    improved = sum(losses[-5:]) < 0.8 * sum(losses[:5]) and after > before
    check("improved", improved, exact=True)
    assert improved, "the student learns from the teacher"
