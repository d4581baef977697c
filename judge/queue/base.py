"""The queue interface the server uses."""
from __future__ import annotations

from abc import ABC, abstractmethod


class Queue(ABC):
    @abstractmethod
    def enqueue(self, submission_id: int) -> None:
        """The submission's job is in the store: have a worker take it soon."""

    @abstractmethod
    def start(self) -> None:
        """Start the workers (and recover jobs a previous run left running)."""

    @abstractmethod
    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs; running jobs stay in the store and are taken again after a restart."""
