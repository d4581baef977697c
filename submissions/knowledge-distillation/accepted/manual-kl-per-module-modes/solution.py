"""Distillation with the KL divergence written out by hand and per-module mode bookkeeping."""
import torch


def _log_softmax(z):
    z = z - z.max(dim=1, keepdim=True).values
    return z - torch.logsumexp(z, dim=1, keepdim=True)


def distillation_loss(student_logits, teacher_logits, labels, *, temperature=4.0, alpha=0.5):
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if alpha < 0 or alpha > 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    n = student_logits.shape[0]
    with torch.no_grad():
        log_pt = _log_softmax(teacher_logits / temperature)
        pt = log_pt.exp()
    log_ps = _log_softmax(student_logits / temperature)
    kl = (pt * (log_pt - log_ps)).sum() / n
    soft = temperature * temperature * kl
    log_p = _log_softmax(student_logits)
    hard = -log_p[torch.arange(n), labels].sum() / n
    return alpha * soft + (1 - alpha) * hard


def distillation_step(student, teacher, optimizer, x, y, *, temperature=4.0, alpha=0.5):
    teacher_modes = {m: m.training for m in teacher.modules()}
    student_modes = {m: m.training for m in student.modules()}
    for m in teacher.modules():
        m.training = False
    with torch.no_grad():
        target = teacher(x)
    for m, mode in teacher_modes.items():
        m.training = mode
    for m in student.modules():
        m.training = True
    optimizer.zero_grad(set_to_none=False)
    loss = distillation_loss(student(x), target, y, temperature=temperature, alpha=alpha)
    loss.backward()
    optimizer.step()
    for m, mode in student_modes.items():
        m.training = mode
    return float(loss.detach())
