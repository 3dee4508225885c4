"""The actors of the scheduler's due rows: one per kind, each idempotent.

``prepare_session`` generates a planned session's workout ahead; ``send_reminder`` sends
its reminder; ``send_review`` the plan's weekly review. Each locks its row and does
nothing when the row says it is done, so a message delivered twice (a scheduler killed
before its commit, a redelivery) does the work once (usecases/schedule.py). A
``TryLater`` (Telegram asks us to wait) becomes a Dramatiq retry after that delay. They
run on a queue of their own, so a reminder never waits behind generations. Declared on
the broker by the composition root (jobs/root.py).
"""

from __future__ import annotations

from typing import Any

from jobs.enqueue import PREPARE_ACTOR, REMIND_ACTOR, REVIEW_ACTOR, SCHEDULE_QUEUE
from jobs.generate import retry_later
from jobs.resources import current
from usecases import schedule, weeklyreview
from usecases.errors import TryLater

__all__ = [
    "PREPARE_OPTIONS",
    "REMIND_OPTIONS",
    "REVIEW_OPTIONS",
    "prepare_session",
    "send_reminder",
    "send_review",
]

_COMMON: dict[str, Any] = {
    "queue_name": SCHEDULE_QUEUE,
    "priority": 10,  # after a rest timer's ring (jobs/timers.py, priority 0) in a worker
    "max_retries": 6,
    "min_backoff": 2_000,
    "max_backoff": 60_000,
    "time_limit": 10 * 60 * 1000,  # a reminder may wait minutes for its bulk send slot
}
PREPARE_OPTIONS: dict[str, Any] = {"actor_name": PREPARE_ACTOR, **_COMMON}
REMIND_OPTIONS: dict[str, Any] = {"actor_name": REMIND_ACTOR, **_COMMON}
REVIEW_OPTIONS: dict[str, Any] = {"actor_name": REVIEW_ACTOR, **_COMMON}


def _scheduling() -> schedule.Scheduling:
    scheduling = current().scheduling
    if scheduling is None:
        raise RuntimeError("the worker's resources have no scheduling")
    return scheduling


def prepare_session(job_id: int) -> None:
    """Generate the workout of a planned session ahead (idempotent)."""
    schedule.prepare_session(_scheduling(), job_id)


def send_reminder(job_id: int) -> None:
    """Send a planned session's reminder (idempotent)."""
    try:
        schedule.send_reminder(_scheduling(), job_id)
    except TryLater as exc:
        raise retry_later(exc) from exc


def send_review(job_id: int) -> None:
    """Send a plan's weekly review (idempotent)."""
    try:
        weeklyreview.send_review(_scheduling(), job_id)
    except TryLater as exc:
        raise retry_later(exc) from exc
