"""Hidden tests: distillation_loss."""
import pytest
import torch
import torch.nn.functional as F

LOSS_TOL = dict(rtol=1e-4, atol=1e-7)
GRAD_TOL = dict(rtol=1e-4, atol=1e-6)


def _inputs(randn, labels, n, c, scale=2.0):
    s = randn(n, c, scale=scale).requires_grad_(True)
    t = randn(n, c, scale=scale * 1.5)
    return s, t, labels(n, c)


def _loss_and_grad(solution, s, t, y, **kw):
    s = s.detach().clone().requires_grad_(True)
    loss = solution.distillation_loss(s, t, y, **kw)
    assert loss.shape == () and loss.dtype == torch.float32, "a 0-d float32 tensor"
    loss.backward()
    return loss.detach(), s.grad


@pytest.mark.weight(2)
def test_loss_default_arguments(solution, randn, labels, check):
    s, t, y = _inputs(randn, labels, 8, 5)
    loss, grad = _loss_and_grad(solution, s, t, y)          # temperature=4.0, alpha=0.5
    check("loss", loss, **LOSS_TOL)
    check("grad", grad, **GRAD_TOL)


@pytest.mark.weight(2)
@pytest.mark.parametrize("temperature,alpha", [(2.0, 0.3), (7.5, 0.8), (0.5, 0.6)])
def test_loss_and_gradient(solution, randn, labels, check, temperature, alpha):
    s, t, y = _inputs(randn, labels, 6, 7)
    loss, grad = _loss_and_grad(solution, s, t, y, temperature=temperature, alpha=alpha)
    check("loss", loss, **LOSS_TOL)
    check("grad", grad, **GRAD_TOL)


@pytest.mark.weight(1)
def test_temperature_one(solution, randn, labels, check):
    s, t, y = _inputs(randn, labels, 5, 4)
    for alpha in (1.0, 0.25):
        loss, grad = _loss_and_grad(solution, s, t, y, temperature=1.0, alpha=alpha)
        check(f"loss_{alpha}", loss, **LOSS_TOL)
        check(f"grad_{alpha}", grad, **GRAD_TOL)


@pytest.mark.weight(2)
def test_alpha_zero_is_cross_entropy(solution, randn, labels, check):
    s, t, y = _inputs(randn, labels, 9, 6)
    for temperature in (1.0, 3.0):
        loss, grad = _loss_and_grad(solution, s, t, y, temperature=temperature, alpha=0.0)
        ce = F.cross_entropy(s.detach(), y)
        close = bool(torch.allclose(loss, ce, rtol=1e-5, atol=1e-7))
        check(f"loss_T{temperature}", loss, **LOSS_TOL)
        check(f"grad_T{temperature}", grad, **GRAD_TOL)
        check(f"equals_cross_entropy_T{temperature}", close, exact=True)
        assert close, "alpha = 0 is the plain cross-entropy at temperature 1"


@pytest.mark.weight(2)
@pytest.mark.parametrize("temperature", [1.0, 2.0, 5.0])
def test_alpha_one_is_soft_term(solution, randn, labels, check, temperature):
    s, t, y = _inputs(randn, labels, 7, 10)
    loss, grad = _loss_and_grad(solution, s, t, y, temperature=temperature, alpha=1.0)
    check("loss", loss, **LOSS_TOL)
    check("grad", grad, **GRAD_TOL)
    # the labels play no part in pure distillation
    other, _ = _loss_and_grad(solution, s, t, (y + 1) % 10, temperature=temperature, alpha=1.0)
    check("labels_ignored", bool(torch.equal(other, loss)), exact=True)
    # identical teacher and student: nothing to learn
    same, same_grad = _loss_and_grad(solution, s, s.detach(), y, temperature=temperature, alpha=1.0)
    check("identical", same, rtol=0, atol=1e-5)
    check("identical_grad", same_grad, rtol=0, atol=1e-6)


@pytest.mark.weight(1)
@pytest.mark.parametrize("n,c", [(1, 3), (3, 2), (40, 10)])
def test_batch_and_class_sizes(solution, randn, labels, check, n, c):
    s, t, y = _inputs(randn, labels, n, c)
    loss, grad = _loss_and_grad(solution, s, t, y, temperature=3.0, alpha=0.7)
    check("loss", loss, **LOSS_TOL)
    check("grad", grad, **GRAD_TOL)


@pytest.mark.weight(2)
def test_no_gradient_into_teacher_logits(solution, randn, labels, check):
    s, t, y = _inputs(randn, labels, 6, 5)
    t = t.clone().requires_grad_(True)
    loss = solution.distillation_loss(s, t, y, temperature=3.0, alpha=0.6)
    loss.backward()
    teacher_grad_none = t.grad is None
    check("teacher_grad_none", teacher_grad_none, exact=True)
    check("student_grad", s.grad, **GRAD_TOL)
    check("loss", loss.detach(), **LOSS_TOL)
    assert teacher_grad_none, "no gradient may flow into teacher_logits"


@pytest.mark.weight(1)
def test_arguments_not_modified(solution, randn, labels, check):
    s, t, y = _inputs(randn, labels, 6, 5)
    s0, t0, y0 = s.detach().clone(), t.clone(), y.clone()
    with torch.no_grad():
        s_plain = s.detach().clone()
    loss = solution.distillation_loss(s_plain, t, y, temperature=2.5, alpha=0.4)
    unchanged = bool(torch.equal(s_plain, s0) and torch.equal(t, t0) and torch.equal(y, y0))
    check("loss", loss, **LOSS_TOL)
    check("unchanged", unchanged, exact=True)
    assert unchanged, "the arguments are not modified"


@pytest.mark.weight(2)
@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_large_logits_stay_finite(solution, randn, labels, check, temperature):
    s, t, y = _inputs(randn, labels, 6, 8, scale=300.0)
    loss, grad = _loss_and_grad(solution, s, t, y, temperature=temperature, alpha=0.5)
    finite = bool(torch.isfinite(loss)) and bool(torch.isfinite(grad).all())
    check("finite", finite, exact=True)
    check("loss", loss, **LOSS_TOL)
    check("grad", grad, **GRAD_TOL)
    assert finite


@pytest.mark.weight(1)
def test_invalid_arguments_raise(solution, randn, labels, check):
    s, t, y = _inputs(randn, labels, 4, 3)
    outcome = {}
    for name, kw in [("T0", dict(temperature=0.0)), ("Tneg", dict(temperature=-2.0)),
                     ("a_neg", dict(alpha=-0.1)), ("a_big", dict(alpha=1.01))]:
        try:
            solution.distillation_loss(s, t, y, **kw)
            outcome[name] = "ok"
        except ValueError:
            outcome[name] = "ValueError"
    for name, kw in [("a0", dict(alpha=0.0)), ("a1", dict(alpha=1.0)), ("T_small", dict(temperature=0.05))]:
        try:
            outcome[name] = bool(torch.isfinite(solution.distillation_loss(s, t, y, **kw)))
        except ValueError:
            outcome[name] = "ValueError"
    check("outcome", outcome, exact=True)
