"""Knowledge distillation: the distillation loss and one training step. See spec.md."""
import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, *, temperature=4.0, alpha=0.5):
    """alpha * T^2 * KL(teacher_T || student_T) (batchmean) + (1 - alpha) * CE(student, labels)."""
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError("alpha must lie in [0, 1]")
    teacher_logits = teacher_logits.detach()
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits / temperature, dim=-1)
    soft = F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True)
    soft = soft * temperature ** 2
    hard = F.cross_entropy(student_logits, labels)
    return alpha * hard + (1.0 - alpha) * soft


def distillation_step(student, teacher, optimizer, x, y, *, temperature=4.0, alpha=0.5):
    """One optimizer step of the student towards the frozen teacher; returns the loss (float)."""
    teacher_was_training = teacher.training
    student_was_training = student.training
    teacher.eval()
    try:
        with torch.no_grad():
            teacher_logits = teacher(x)
    finally:
        teacher.train(teacher_was_training)
    student.train()
    try:
        optimizer.zero_grad()
        student_logits = student(x)
        loss = distillation_loss(student_logits, teacher_logits, y, temperature=temperature, alpha=alpha)
        loss.backward()
        optimizer.step()
    finally:
        student.train(student_was_training)
    return loss.item()
