"""The generation actor: one request id in, one delivered workout out (idempotent).

The actor only translates: the request id and the Dramatiq message holding it go to
``usecases.generation.run_generation``, which claims, generates, saves and delivers through
the request lifecycle; a ``TryLater`` from it (another message holds the claim, Telegram
asks us to wait) becomes a Dramatiq retry after that delay. Declared on the broker by the
composition root (jobs/root.py), with ``OPTIONS``.

``finish_generation`` brings a parked AI call's result (usecases.generation: the call ran
with no thread waiting for it) to the run that saves and delivers it, on a queue of its own
and after new generations in a worker's threads (``FINISH_OPTIONS``): a generation takes
a thread for milliseconds (its call waits for a slot without one), a result's delivery for
as long as the send budget makes it wait, and a worker whose threads all waited to deliver
would start no new calls meanwhile.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from adapters.logcontext import request_context
from core.pipeline import result_from_data
from jobs import exhausted
from jobs.enqueue import FINISH_ACTOR, FINISH_QUEUE, GENERATION_ACTOR, GENERATION_QUEUE
from jobs.resources import current
from usecases.errors import TryLater
from usecases.generation import run_generation

__all__ = [
    "FINISH_OPTIONS",
    "MAX_RETRIES",
    "NAME",
    "OPTIONS",
    "TIME_LIMIT_MS",
    "finish_generation",
    "generate_workout",
    "retry_later",
]

NAME = GENERATION_ACTOR
MAX_RETRIES = 6
"""Database outages, Telegram flood waits and network errors are retried this often, with
backoff from 2 s up to 60 s (about five minutes in all); AI failures are not retried here:
the pipeline falls back to the rule-based generator instead."""
TIME_LIMIT_MS = 10 * 60 * 1000
"""Waiting for an AI slot, the AI call with the SDK's retries, and delivery fit in this."""
OPTIONS: dict[str, Any] = {
    "actor_name": NAME,
    "queue_name": GENERATION_QUEUE,
    "max_retries": MAX_RETRIES,
    "min_backoff": 2_000,
    "max_backoff": 60_000,
    "time_limit": TIME_LIMIT_MS,
    "on_retry_exhausted": exhausted.NAME,
    "priority": 0,  # before the results (FINISH_OPTIONS): a generation only starts its call
}
FINISH_OPTIONS: dict[str, Any] = {
    **OPTIONS,
    "actor_name": FINISH_ACTOR,
    "queue_name": FINISH_QUEUE,
    "priority": 5,  # after the generations, which take a thread for milliseconds
}


def retry_later(exc: TryLater) -> dramatiq.Retry:
    """The Dramatiq retry that brings the message back after ``exc``'s delay."""
    return dramatiq.Retry(str(exc), delay=int(exc.delay_s * 1000) + 100)


def _message_id(request_id: int) -> str:
    message = CurrentMessage.get_current_message()
    return message.message_id if message else f"direct:{request_id}"


def generate_workout(request_id: int) -> None:
    """Generate and deliver the workout for one request (idempotent)."""
    with request_context(request_id):
        try:
            run_generation(current().generation, request_id, _message_id(request_id))
        except TryLater as exc:
            raise retry_later(exc) from exc


def finish_generation(request_id: int, holder: str, answer: dict[str, Any]) -> None:
    """Save and deliver a parked call's ``answer`` under ``holder``'s claim (idempotent)."""
    result = result_from_data(answer)
    with request_context(request_id):
        try:
            run_generation(
                current().generation,
                request_id,
                _message_id(request_id),
                answer=result,
                holder=holder,
            )
        except TryLater as exc:
            raise retry_later(exc) from exc
