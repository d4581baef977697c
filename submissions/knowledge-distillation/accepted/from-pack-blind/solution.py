"""Knowledge distillation: the distillation loss and one training step. See spec.md."""
import math

import torch
import torch.nn.functional as F


def _check_hyper(temperature, alpha):
    t = float(temperature)
    a = float(alpha)
    if not (t > 0) or math.isnan(t):
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if not (0.0 <= a <= 1.0):
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    return t, a


def distillation_loss(student_logits, teacher_logits, labels, *, temperature=4.0, alpha=0.5):
    """Return the 0-d float32 tensor alpha * soft + (1 - alpha) * hard (see spec.md)."""
    T, a = _check_hyper(temperature, alpha)
    n = student_logits.shape[0]

    target = teacher_logits.detach()
    log_p_s = F.log_softmax(student_logits / T, dim=1)
    log_p_t = F.log_softmax(target / T, dim=1)
    p_t = log_p_t.exp()
    # 0 * log 0 = 0: wherever the teacher's probability is exactly zero the term vanishes.
    diff = torch.where(p_t > 0, log_p_t - log_p_s, torch.zeros_like(log_p_s))
    soft = (p_t * diff).sum() / n * (T * T)

    hard = F.cross_entropy(student_logits, labels)
    return a * soft + (1.0 - a) * hard


def distillation_step(student, teacher, optimizer, x, y, *, temperature=4.0, alpha=0.5):
    """One optimizer step of the student towards the teacher (kept in eval mode, unchanged).

    Returns the loss before the step as a Python float.
    """
    _check_hyper(temperature, alpha)

    teacher_was_training = teacher.training
    teacher.eval()
    try:
        with torch.no_grad():
            teacher_logits = teacher(x).detach()
    finally:
        teacher.train(teacher_was_training)

    student_was_training = student.training
    student.train()
    try:
        optimizer.zero_grad()
        student_logits = student(x)
        loss = distillation_loss(student_logits, teacher_logits, y,
                                 temperature=temperature, alpha=alpha)
        loss.backward()
        optimizer.step()
    finally:
        student.train(student_was_training)
    return float(loss.item())
