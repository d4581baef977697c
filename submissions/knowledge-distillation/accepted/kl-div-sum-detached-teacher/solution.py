"""Distillation through F.kl_div with a probability target and reduction='sum' / N."""
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, *, temperature=4.0, alpha=0.5):
    T = float(temperature)
    if not (T > 0 and 0 <= alpha <= 1):
        raise ValueError("need temperature > 0 and 0 <= alpha <= 1")
    target = F.softmax(teacher_logits.detach() / T, dim=-1)
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=-1), target, reduction="sum")
    soft = soft / student_logits.size(0) * T ** 2
    if alpha == 1:
        return soft
    hard = F.nll_loss(F.log_softmax(student_logits, dim=-1), labels)
    return alpha * soft + (1 - alpha) * hard


def distillation_step(student, teacher, optimizer, x, y, *, temperature=4.0, alpha=0.5):
    mode_t, mode_s = teacher.training, student.training
    teacher.eval()
    teacher_logits = teacher(x).detach()
    teacher.train(mode_t)
    student.train()
    student_logits = student(x)
    loss = distillation_loss(student_logits, teacher_logits, y, temperature=temperature, alpha=alpha)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    student.train(mode_s)
    return loss.item()
