"""Fixtures for the knowledge-distillation suite: small seeded teacher/student networks.

The same file is shipped as public/conftest.py. Models are built by the tests (from
the test's torch_seed), never by the submission.
"""
import numpy as np
import pytest
import torch
from torch import nn


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


class Teacher(nn.Module):
    """Linear -> BatchNorm1d -> ReLU -> Dropout -> Linear."""

    def __init__(self, d_in, n_classes, hidden=32, p=0.3):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden, bias=False)   # BatchNorm follows
        self.bn = nn.BatchNorm1d(hidden)
        self.drop = nn.Dropout(p)
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))


class Student(nn.Module):
    """A smaller Linear -> BatchNorm1d -> ReLU -> Dropout -> Linear."""

    def __init__(self, d_in, n_classes, hidden=12, p=0.2):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden, bias=False)   # BatchNorm follows
        self.bn = nn.BatchNorm1d(hidden)
        self.drop = nn.Dropout(p)
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))


def warm_up_batchnorm(model, d_in, batches=3, n=32):
    """Give the model's BatchNorm non-trivial running statistics (as a trained model has)."""
    with torch.no_grad():
        model.train()
        for _ in range(batches):
            model(torch.randn(n, d_in) * 1.5 + 0.5)


@pytest.fixture
def make_models():
    """make_models(d_in, n_classes) -> (teacher, student): a teacher with warm BatchNorm stats."""

    def make(d_in, n_classes, teacher_hidden=32, student_hidden=12):
        teacher = Teacher(d_in, n_classes, teacher_hidden)
        warm_up_batchnorm(teacher, d_in)
        student = Student(d_in, n_classes, student_hidden)
        return teacher, student

    return make


@pytest.fixture
def randn(rng):
    """randn(*shape, scale=1.0) -> float32 tensor drawn from the test's rng."""

    def draw(*shape, scale=1.0):
        return torch.from_numpy(np.asarray(scale * rng.standard_normal(shape), dtype=np.float32))

    return draw


@pytest.fixture
def labels(rng):
    """labels(n, n_classes) -> int64 tensor."""

    def draw(n, n_classes):
        return torch.from_numpy(rng.integers(0, n_classes, size=n).astype(np.int64))

    return draw
