"""Queuing a generation: what the bot and the command line use of jobs/.

``enqueue_generation`` sends the message on the broker the process's composition root set
up (``jobs.root.setup_broker``); it is the ``usecases.ports.Enqueue`` the use cases are
handed. ``NAMESPACE`` and ``QUEUES`` tell a metrics endpoint where the queues are.
"""

from __future__ import annotations

import dramatiq
import dramatiq.broker
import redis
from dramatiq.common import dq_name

from adapters.logcontext import request_context
from core.pipeline import AIResult, result_to_data
from usecases.errors import QueueUnavailable

__all__ = [
    "FINISH_ACTOR",
    "FINISH_QUEUE",
    "GENERATION_ACTOR",
    "GENERATION_QUEUE",
    "NAMESPACE",
    "PREPARE_ACTOR",
    "QUEUES",
    "REMIND_ACTOR",
    "REVIEW_ACTOR",
    "RING_ACTOR",
    "SCHEDULE_QUEUE",
    "TIMER_QUEUE",
    "dispatch_due",
    "dispatch_rest",
    "enqueue_generation",
    "resume_generation",
]

NAMESPACE = "flexflow"
"""The prefix of every Redis key of the broker."""
GENERATION_QUEUE = "generation"
GENERATION_ACTOR = "generate_workout"
FINISH_QUEUE = "finish"
"""Parked AI calls' results, to save and deliver (usecases/generation.py): a queue of its
own, so that a worker takes them in its own order (jobs/generate.py), not Redis's."""
FINISH_ACTOR = "finish_generation"
SCHEDULE_QUEUE = "schedule"
"""The scheduler's actors' queue: a reminder never waits behind generations."""
PREPARE_ACTOR = "prepare_session"
REMIND_ACTOR = "send_reminder"
REVIEW_ACTOR = "send_review"
_DUE_ACTORS = {"prepare": PREPARE_ACTOR, "remind": REMIND_ACTOR, "review": REVIEW_ACTOR}
"""The actor of each kind of due row (usecases.schedule.DueKind's values)."""
TIMER_QUEUE = "timers"
"""The rest timers' queue: a ring never waits behind reminders or generations in Redis."""
RING_ACTOR = "ring_rest"


def _broker() -> dramatiq.Broker:
    # Dramatiq's get_broker() would quietly make a RabbitMQ or localhost Redis broker when
    # none is set; a process that forgot its composition root should hear so instead.
    broker = dramatiq.broker.global_broker
    if broker is None:
        raise RuntimeError("no broker: the process must call jobs.setup_broker() first")
    return broker


def enqueue_generation(request_id: int) -> None:
    """Queue the generation of one request; ``QueueUnavailable`` if the broker is down."""
    actor = _broker().get_actor(GENERATION_ACTOR)
    try:
        with request_context(request_id):
            actor.send(request_id)
    except (redis.RedisError, dramatiq.errors.BrokerConnectionError, OSError) as exc:
        raise QueueUnavailable(
            f"could not queue request {request_id}: {type(exc).__name__}"
        ) from exc


def resume_generation(request_id: int, holder: str, result: AIResult, delay_s: float = 0.0) -> None:
    """Queue the rest of a parked generation: its AI call's ``result`` for the claim of
    ``holder``, to run in ``delay_s`` (usecases.generation's ``Resume``); raises when the
    broker is down."""
    actor = _broker().get_actor(FINISH_ACTOR)
    with request_context(request_id):
        actor.send_with_options(
            args=(request_id, holder, result_to_data(result)),
            delay=int(delay_s * 1000) or None,
        )


def dispatch_due(kind: str, job_id: int) -> None:
    """Send due row ``job_id`` to the actor of its ``kind`` (the scheduler's dispatch);
    ``QueueUnavailable`` if the broker is down."""
    actor = _broker().get_actor(_DUE_ACTORS[kind])
    try:
        actor.send(job_id)
    except (redis.RedisError, dramatiq.errors.BrokerConnectionError, OSError) as exc:
        raise QueueUnavailable(f"could not queue {kind} {job_id}: {type(exc).__name__}") from exc


def dispatch_rest(live_id: int) -> None:
    """Send live session ``live_id``'s due rest timer to its ringing actor (the scheduler's
    dispatch); ``QueueUnavailable`` if the broker is down."""
    actor = _broker().get_actor(RING_ACTOR)
    try:
        actor.send(live_id)
    except (redis.RedisError, dramatiq.errors.BrokerConnectionError, OSError) as exc:
        raise QueueUnavailable(f"could not queue rest {live_id}: {type(exc).__name__}") from exc


QUEUES = frozenset(
    {
        GENERATION_QUEUE,
        dq_name(GENERATION_QUEUE),
        FINISH_QUEUE,
        dq_name(FINISH_QUEUE),
        SCHEDULE_QUEUE,
        dq_name(SCHEDULE_QUEUE),
        TIMER_QUEUE,
        dq_name(TIMER_QUEUE),
    }
)
"""Every queue the actors are declared on, and its delay queue (for the metrics)."""
