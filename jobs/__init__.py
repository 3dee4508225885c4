"""Dramatiq actors and what they need: ``dramatiq jobs`` sees every actor from here.

The broker module is imported first (jobs.broker), then each actor module.
"""

from __future__ import annotations

import dramatiq
import redis

from adapters.logcontext import request_context
from jobs import broker
from jobs.broker import setup_broker
from jobs.embedded import EmbeddedWorker, start_embedded_worker
from jobs.generate import generate_workout, generation_exhausted
from jobs.resources import Resources, current, open_resources
from usecases.errors import DeliveryFailed, JobsError, QueueUnavailable

__all__ = [
    "DeliveryFailed",
    "EmbeddedWorker",
    "JobsError",
    "QueueUnavailable",
    "Resources",
    "broker",
    "current",
    "enqueue_generation",
    "generate_workout",
    "generation_exhausted",
    "open_resources",
    "setup_broker",
    "start_embedded_worker",
]


def enqueue_generation(request_id: int) -> None:
    """Queue the generation of one request; ``QueueUnavailable`` if the broker is down."""
    try:
        with request_context(request_id):
            generate_workout.send(request_id)
    except (redis.RedisError, dramatiq.errors.BrokerConnectionError, OSError) as exc:
        raise QueueUnavailable(
            f"could not queue request {request_id}: {type(exc).__name__}"
        ) from exc
