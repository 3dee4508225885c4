"""The jobs package's errors.

JobsError
 ├── QueueUnavailable   the broker (Redis) cannot be reached; nothing was enqueued
 └── DeliveryFailed     the chat could not be reached for good (blocked, chat gone)
"""

from __future__ import annotations

__all__ = ["DeliveryFailed", "JobsError", "QueueUnavailable"]


class JobsError(Exception):
    """Base class for the errors raised by jobs/."""


class QueueUnavailable(JobsError):
    """The broker could not be reached, so the message was not enqueued."""


class DeliveryFailed(JobsError):
    """The workout cannot be delivered and retrying will not help."""
