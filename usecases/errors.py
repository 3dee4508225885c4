"""The application layer's errors, raised by the use cases and by the adapters handed to them.

UseCaseError
 ├── IllegalTransition  a request was asked to move between states it may not (a bug)
 ├── QueueUnavailable   the queue (Redis) cannot be reached; nothing was enqueued
 ├── DeliveryFailed     the chat cannot be reached for good (bot blocked, chat gone)
 └── TryLater           the chat service asked us to slow down; try again after ``delay_s``
"""

from __future__ import annotations

__all__ = ["DeliveryFailed", "IllegalTransition", "QueueUnavailable", "TryLater", "UseCaseError"]


class UseCaseError(Exception):
    """Base class for the errors of the application layer."""


class IllegalTransition(UseCaseError):
    """A request may not move from its current state to the one asked for."""


class QueueUnavailable(UseCaseError):
    """The broker could not be reached, so the message was not enqueued."""


class DeliveryFailed(UseCaseError):
    """The workout cannot be delivered and retrying will not help."""


class TryLater(UseCaseError):
    """The message was not sent: the chat service wants us to wait ``delay_s`` seconds."""

    def __init__(self, message: str, delay_s: float) -> None:
        super().__init__(message)
        self.delay_s = delay_s
