"""Knowledge distillation: the distillation loss and one training step. See spec.md."""
import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, labels, *, temperature=4.0, alpha=0.5):
    """Return the 0-d float32 tensor alpha * soft + (1 - alpha) * hard (see spec.md).

    soft = T**2 * KL(softmax(teacher/T) || softmax(student/T)), summed over classes, / N;
    hard = cross_entropy(student_logits, labels). Raises ValueError for T <= 0 or alpha outside [0, 1].
    """
    raise NotImplementedError


def distillation_step(student, teacher, optimizer, x, y, *, temperature=4.0, alpha=0.5):
    """One optimizer step of the student towards the teacher (kept in eval mode, unchanged).

    Returns the loss before the step as a Python float.
    """
    raise NotImplementedError
