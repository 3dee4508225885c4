"""The composition root of the Dramatiq side: a process's broker and actors, built on demand.

``setup_broker(redis_url)`` builds the broker with FlexFlow's middleware, declares every
actor on it and makes it the process's broker (Dramatiq's CLI and ``Actor.send`` use that
one). Nothing is built at import time. ``flexflow worker`` runs Dramatiq's command line on
``jobs.root:setup``, which Dramatiq calls in each worker process it starts.

The middleware, in order: the request id on every log line (first, so it is set before any
other middleware runs and reset after all), Dramatiq's CurrentMessage (the claim names the
message), the per-process resources, a graceful SIGTERM, and Dramatiq's Prometheus metrics
in ``flexflow worker``'s processes when a metrics port is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from adapters.settings import get_settings
from jobs import exhausted, generate, schedule, timers
from jobs.broker import make_broker
from jobs.requestcontext import RememberingEncoder, RequestContext
from jobs.resources import ResourcesMiddleware
from jobs.shutdown import GracefulShutdown

__all__ = ["ACTORS", "actor", "setup", "setup_broker", "worker_metrics_on"]

ACTORS: tuple[tuple[Callable[..., None], dict[str, Any]], ...] = (
    (generate.generate_workout, generate.OPTIONS),
    (generate.finish_generation, generate.FINISH_OPTIONS),
    (exhausted.generation_exhausted, exhausted.OPTIONS),
    (schedule.prepare_session, schedule.PREPARE_OPTIONS),
    (schedule.send_reminder, schedule.REMIND_OPTIONS),
    (schedule.send_review, schedule.REVIEW_OPTIONS),
    (timers.ring_rest, timers.OPTIONS),
)
"""Every actor, with the options it is declared with."""

_declared: dict[str, dramatiq.Actor[Any, Any]] = {}


def worker_metrics_on() -> bool:
    """True in the processes of a ``flexflow worker`` started with a metrics port: the
    command sets ``dramatiq_prom_db`` (Dramatiq's Prometheus directory) for them."""
    return bool(os.environ.get("dramatiq_prom_db")) and (  # noqa: SIM112  (Dramatiq's name)
        get_settings().flexflow_worker_metrics_port is not None
    )


def _middleware(redis_url: str | None) -> list[dramatiq.Middleware]:
    middleware: list[dramatiq.Middleware] = [
        RequestContext(),
        CurrentMessage(),
        ResourcesMiddleware(),
        GracefulShutdown(),
    ]
    if redis_url and worker_metrics_on():
        from jobs.prometheus import WorkerPrometheus  # reads dramatiq_prom_db when imported

        middleware.append(WorkerPrometheus())
    return middleware


def setup_broker(redis_url: str | None) -> dramatiq.Broker:
    """Build this process's broker (Redis, or a stub without a URL), declare the actors on
    it and make it the one ``enqueue_generation`` and Dramatiq's workers use."""
    broker = make_broker(redis_url, _middleware(redis_url))
    dramatiq.set_encoder(RememberingEncoder())
    _declared.clear()
    for fn, options in ACTORS:
        declare = dramatiq.actor(broker=broker, **options)
        _declared[options["actor_name"]] = declare(fn)
    dramatiq.set_broker(broker)
    return broker


def setup() -> None:
    """Dramatiq's command line calls this in each worker process (``jobs.root:setup``)."""
    setup_broker(get_settings().redis_url)


def actor(name: str) -> dramatiq.Actor[Any, Any]:
    """The declared actor ``name`` of this process's broker."""
    try:
        return _declared[name]
    except KeyError:
        raise RuntimeError(f"no actor {name!r}: call jobs.setup_broker() first") from None
