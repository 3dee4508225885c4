"""Per-process resources of a worker, and the middleware that opens and closes them.

Opened once per process (``after_process_boot`` for ``flexflow worker``'s processes,
explicitly for the embedded worker and tests) and closed on shutdown, as Dramatiq's
middleware pattern suggests: the database engine, the AI client behind the shared AI slots,
the Bot API client, the metrics observer, and the stale-request sweeper. The actors reach
them through ``current()``; the use cases get them handed in (``Resources.generation``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import redis
from sqlalchemy import Engine

from adapters.aislots import STAGE_THREADS, LimitedAI, LocalSemaphore, RedisSemaphore, Semaphore
from adapters.metrics import PrometheusObserver
from adapters.process import freeze_boot_objects
from adapters.settings import Settings, get_settings
from core.catalogue import load_catalogue
from core.pipeline import AIClient
from db.models import utcnow
from db.session import create_db_engine, session_factory
from jobs.enqueue import enqueue_generation, resume_generation
from jobs.leases import CLAIM_LEASE_S, SWEEP_S, ClaimLeases
from jobs.sweeper import Sweeper
from usecases.generation import Generation, requeue_stale
from usecases.ports import Notifier, NullNotifier
from usecases.schedule import Scheduling

__all__ = [
    "AI_SLOTS_KEY",
    "FINISHERS",
    "Resources",
    "ResourcesMiddleware",
    "close_resources",
    "current",
    "make_scheduling",
    "make_sweeper",
    "open_resources",
    "start_sweeper",
]

log = logging.getLogger(__name__)

AI_SLOTS_KEY = "flexflow:ai-slots"
FINISHERS = STAGE_THREADS // 2
"""Parked calls' results that one process saves and delivers itself, at a time, on the AI
stage's threads (``Generation.finishers``): a lone request's workout goes out without a
second trip through the queue (about 7 ms), while half the stage's threads are always free
for frames. Results beyond them (a burst, whose deliveries wait in the send budget's line)
are queued, and the worker's threads take them after the new generations."""
SWEEPER_LOCK_KEY = "flexflow:sweeper"


@dataclass
class Resources:
    """What the actors need, opened once per process."""

    settings: Settings
    engine: Engine
    generation: Generation
    """What the generation use case is handed: sessions, AI, notifier, observer, lease."""
    closers: list[Any] = field(default_factory=list)
    scheduling: Scheduling | None = None
    """What the scheduler's actors are handed (their notifier sends under the bulk tier)."""

    def close(self) -> None:
        for thing in self.closers:
            thing.close()
        self.generation.notifier.close()
        if self.scheduling is not None:
            self.scheduling.notifier.close()
        self.engine.dispose()


_current: Resources | None = None


def _make_notifier(settings: Settings, *, bulk: bool = False) -> Notifier:
    """The worker's Bot API client: its messages wait in the send budget's delivery line
    (below the bot's replies), the scheduler's (``bulk``) in the bulk line below that."""
    if settings.telegram_bot_token is None:
        return NullNotifier()
    from adapters.sendbudget import Line, make_send_limiter
    from adapters.telegram import TelegramNotifier  # PTB is only loaded when there is a bot

    return TelegramNotifier(
        token=settings.telegram_bot_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        limiter=make_send_limiter(settings.redis_url),
        line=Line.BULK if bulk else Line.DELIVERY,
    )


def make_scheduling(
    settings: Settings, engine: Engine, *, notifier: Notifier | None = None
) -> Scheduling:
    """What the scheduler's actors are handed: sessions, the bulk notifier, the queue."""
    return Scheduling(
        sessions=session_factory(engine),
        notifier=notifier or _make_notifier(settings, bulk=True),
        enqueue=enqueue_generation,
        clock=utcnow,
        late_window=dt.timedelta(minutes=settings.flexflow_reminder_late_window_min),
    )


def _limited(settings: Settings, inner: AIClient, closers: list[Any]) -> LimitedAI:
    """``inner`` behind the AI slots shared by every worker (Redis), or this process's."""
    slots: Semaphore
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        closers.append(client)
        slots = RedisSemaphore(client, AI_SLOTS_KEY, limit=settings.flexflow_ai_concurrency)
        closers.append(slots)
    else:
        slots = LocalSemaphore(limit=settings.flexflow_ai_concurrency)
    return LimitedAI(inner, slots)


def open_resources(
    settings: Settings,
    *,
    ai: AIClient | bool | None = True,
    notifier: Notifier | None = None,
    bulk_notifier: Notifier | None = None,
) -> Resources:
    """Open this process's resources and make them ``current()``.

    ``ai=True`` builds the client from the settings (None without a key); pass a client to
    use that one, or None to force the rule-based generator.
    """
    global _current
    # Parsed now, not by the first request: every workout needs it (the rule-based
    # generator, and the AI's answers' grounding and repairs), and parsing it takes a
    # fraction of a second that a user would otherwise wait (seconds on a busy machine).
    load_catalogue()
    engine = create_db_engine(settings.database_url)
    closers: list[Any] = []
    if ai is True:
        from adapters.claude import make_ai_client  # the anthropic SDK loads only when asked

        inner = make_ai_client(settings)
    else:
        inner = ai or None
    limited = _limited(settings, inner, closers) if inner is not None else None
    if inner is not None and hasattr(inner, "close"):
        closers.insert(0, inner)
    sessions = session_factory(engine)
    leases = ClaimLeases(sessions)
    parks = limited is not None and limited.parks
    if parks:
        # First: its calls in flight finish (their results queued) while the client, the
        # AI slots and the leases still work.
        closers.insert(0, limited)
    closers.append(leases)
    _current = Resources(
        settings=settings,
        engine=engine,
        generation=Generation(
            sessions=sessions,
            ai=limited,
            notifier=notifier or _make_notifier(settings),
            observer=PrometheusObserver(),
            lease_s=CLAIM_LEASE_S,
            stage=limited if parks else None,
            resume=resume_generation if parks else None,
            leases=leases,
            finishers=threading.BoundedSemaphore(FINISHERS) if parks else None,
        ),
        closers=closers,
        scheduling=make_scheduling(settings, engine, notifier=bulk_notifier),
    )
    return _current


def make_sweeper(resources: Resources) -> Sweeper:
    """The stale-request sweeper of these resources (not started)."""
    settings, gen = resources.settings, resources.generation
    lock = redis.Redis.from_url(settings.redis_url) if settings.redis_url else None

    def sweep() -> list[int]:
        return requeue_stale(
            gen.sessions,
            enqueue_generation,
            generating_older_than=dt.timedelta(seconds=gen.lease_s),
            queued_older_than=dt.timedelta(seconds=Sweeper.QUEUED_AFTER_S),
        )

    return Sweeper(sweep, lock=lock, lock_key=SWEEPER_LOCK_KEY, interval_s=SWEEP_S)


def start_sweeper(resources: Resources) -> None:
    """Run the stale-request sweeper for as long as the resources are open."""
    sweeper = make_sweeper(resources)
    sweeper.start()
    resources.closers.insert(0, sweeper)


def current() -> Resources:
    """The resources opened for this process."""
    if _current is None:
        raise RuntimeError("worker resources are not open: call jobs.open_resources() first")
    return _current


def close_resources() -> None:
    """Close and forget the current resources (worker shutdown)."""
    global _current
    if _current is not None:
        _current.close()
        _current = None


class ResourcesMiddleware(dramatiq.Middleware):
    """Opens the resources in each worker process, closes them once its threads are done."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        if _current is None:
            try:
                resources = open_resources(get_settings())
            except Exception:
                # A worker without its database or AI client would only burn every
                # message's retries: stop this process loudly instead.
                log.critical("cannot open worker resources; stopping", exc_info=True)
                os._exit(3)
            start_sweeper(resources)
            log.info("worker resources open")
            freeze_boot_objects()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # After, not before: the worker threads finish the messages in hand first (a
        # graceful stop), and they need the database, the AI client and the notifier.
        close_resources()
