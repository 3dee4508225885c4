"""The rest timer's actor: a live session's rest is over, ring it (usecases/live.py).

Handed each due timer by the scheduler's tick (``usecases.claim_rests``), on a queue of its
own (``timers``) and at the top priority of the worker's threads (Dramatiq runs the
lowest ``priority`` value first among the messages it holds), so a ring never waits
behind a reminder burst or a generation. It sends in the send budget's delivery line, as
deliveries do, above the reminders' bulk line. Idempotent: a ring already rung, or a
timer a tap cancelled, does nothing; a ``TryLater`` becomes a short retry.
"""

from __future__ import annotations

from typing import Any

from db.models import utcnow
from jobs.enqueue import RING_ACTOR, TIMER_QUEUE
from jobs.generate import retry_later
from jobs.resources import current
from usecases import ring_rest as ring
from usecases.errors import TryLater

__all__ = ["OPTIONS", "ring_rest"]

OPTIONS: dict[str, Any] = {
    "actor_name": RING_ACTOR,
    "queue_name": TIMER_QUEUE,
    "priority": 0,
    "max_retries": 3,
    "min_backoff": 500,
    "max_backoff": 5_000,
    "time_limit": 60 * 1000,
}


def ring_rest(live_id: int) -> None:
    """Ring live session ``live_id``'s rest timer, if it is still due (idempotent)."""
    generation = current().generation
    try:
        ring(generation.sessions, generation.notifier, live_id, utcnow())
    except TryLater as exc:
        raise retry_later(exc) from exc
