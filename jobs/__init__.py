"""The Dramatiq side: the actors, their middleware, and the worker's composition root.

    jobs.root            the composition root: setup_broker() builds the broker, declares
                         every actor on it (``flexflow worker`` runs ``jobs.root:setup``)
    jobs.enqueue         enqueue_generation: the only thing the bot and the CLI need here
    jobs.generate        the generation actor (-> usecases.generation.run_generation)
    jobs.exhausted       the actor called when its retries run out (-> give_up)
    jobs.schedule        the scheduler's actors: prepare a session, send its reminder
    jobs.scheduler       the scheduler: APScheduler ticking usecases.schedule.tick
    jobs.broker          the Redis broker woken by each enqueue; make_broker
    jobs.resources       per-process resources and the middleware opening them
    jobs.requestcontext  request ids on every log line (middleware and encoder)
    jobs.shutdown        a SIGTERM to the process group stays graceful (middleware)
    jobs.prometheus      Dramatiq's metrics with FlexFlow's endpoint (middleware)
    jobs.sweeper         the thread that re-queues stale requests
    jobs.embedded        the worker inside another process (no REDIS_URL, tests)

Nothing is built when this package is imported; actors exist once ``setup_broker`` ran.
"""

from __future__ import annotations

from jobs.embedded import EmbeddedWorker, start_embedded_worker
from jobs.enqueue import enqueue_generation
from jobs.resources import Resources, current, open_resources
from jobs.root import actor, setup_broker

__all__ = [
    "EmbeddedWorker",
    "Resources",
    "actor",
    "current",
    "enqueue_generation",
    "open_resources",
    "setup_broker",
    "start_embedded_worker",
]
