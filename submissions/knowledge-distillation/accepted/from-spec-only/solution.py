"""Written from spec.md alone: the loss row by row, the step with try/finally mode handling."""
import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, *, temperature=4.0, alpha=0.5):
    if temperature <= 0:
        raise ValueError("temperature")
    if not (0.0 <= alpha <= 1.0):
        raise ValueError("alpha")
    n = student_logits.shape[0]
    t = teacher_logits.detach()
    soft_rows, hard_rows = [], []
    for i in range(n):
        log_ps = torch.log_softmax(student_logits[i] / temperature, dim=0)
        log_pt = torch.log_softmax(t[i] / temperature, dim=0)
        soft_rows.append(torch.sum(torch.exp(log_pt) * (log_pt - log_ps)))
        hard_rows.append(-torch.log_softmax(student_logits[i], dim=0)[labels[i]])
    soft = torch.stack(soft_rows).sum() / n * temperature ** 2
    hard = torch.stack(hard_rows).mean()
    return alpha * soft + (1.0 - alpha) * hard


def distillation_step(student, teacher, optimizer, x, y, *, temperature=4.0, alpha=0.5):
    was_teacher, was_student = teacher.training, student.training
    try:
        teacher.eval()
        with torch.no_grad():
            t_logits = teacher(x)
    finally:
        teacher.train(was_teacher)
    try:
        student.train()
        optimizer.zero_grad()
        loss = distillation_loss(student(x), t_logits, y, temperature=temperature, alpha=alpha)
        loss.backward()
        optimizer.step()
    finally:
        student.train(was_student)
    return float(loss.item())
