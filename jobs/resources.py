"""Per-process resources of a worker: database engine, AI client, AI slots, notifier.

Opened once per process (``after_process_boot`` for ``flexflow worker``'s processes,
explicitly for the embedded worker and tests) and closed on shutdown, as dramatiq's
middleware pattern suggests. Actors reach them through ``current()``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adapters.aislots import LocalSemaphore, RedisSemaphore, Semaphore
from adapters.sendbudget import make_send_limiter
from adapters.settings import Settings, get_settings
from core.models import WorkoutRequest
from core.pipeline import AIClient, AIResult
from db.session import create_db_engine, session_factory
from usecases.ports import Notifier, NullNotifier

__all__ = ["LimitedAI", "Resources", "ResourcesMiddleware", "current", "open_resources"]

log = logging.getLogger(__name__)

AI_SLOTS_KEY = "flexflow:ai-slots"


class LimitedAI:
    """An AI client that holds one of the shared AI slots for the length of each call."""

    def __init__(self, inner: AIClient, slots: Semaphore) -> None:
        self.inner = inner
        self.slots = slots

    @property
    def model(self) -> str:
        return self.inner.model

    def generate(self, request: WorkoutRequest) -> AIResult:
        with self.slots.slot():
            return self.inner.generate(request)


@dataclass
class Resources:
    """What an actor needs, opened once per process."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    ai: AIClient | None
    notifier: Notifier
    lease_s: float
    """How long a claim on a request lasts before another message may take it over."""
    closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for thing in self.closers:
            thing.close()
        self.notifier.close()
        self.engine.dispose()


_current: Resources | None = None


def _make_notifier(settings: Settings) -> Notifier:
    if settings.telegram_bot_token is None:
        return NullNotifier()
    from adapters.telegram import TelegramNotifier  # PTB is only loaded when there is a bot

    return TelegramNotifier(
        token=settings.telegram_bot_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        limiter=make_send_limiter(settings.redis_url),
    )


def open_resources(
    settings: Settings,
    *,
    ai: AIClient | bool | None = True,
    notifier: Notifier | None = None,
) -> Resources:
    """Open this process's resources and make them ``current()``.

    ``ai=True`` builds the client from the settings (None without a key); pass a client to
    use that one, or None to force the rule-based generator.
    """
    global _current
    engine = create_db_engine(settings.database_url)
    closers: list[Any] = []
    if ai is True:
        from adapters.claude import make_ai_client  # the anthropic SDK loads only when asked

        inner = make_ai_client(settings)
    else:
        inner = ai or None
    lease_s = settings.anthropic_timeout * (settings.anthropic_max_retries + 1) + 30
    limited: AIClient | None = None
    if inner is not None:
        if hasattr(inner, "close"):
            closers.append(inner)
        slots: Semaphore
        if settings.redis_url:
            client = redis.Redis.from_url(settings.redis_url)
            closers.append(client)
            slots = RedisSemaphore(client, AI_SLOTS_KEY, limit=settings.flexflow_ai_concurrency)
            closers.append(slots)
        else:
            slots = LocalSemaphore(limit=settings.flexflow_ai_concurrency)
        limited = LimitedAI(inner, slots)
    _current = Resources(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        ai=limited,
        notifier=notifier or _make_notifier(settings),
        lease_s=lease_s,
        closers=closers,
    )
    return _current


def _send_generation(request_id: int) -> None:
    from jobs.generate import generate_workout

    generate_workout.send(request_id)


def start_sweeper(resources: Resources) -> None:
    """Run the stale-request sweeper for as long as the resources are open."""
    from jobs.sweeper import Sweeper

    sweeper = Sweeper(
        resources.sessions,
        _send_generation,
        redis_url=resources.settings.redis_url,
        lease_s=resources.lease_s,
    )
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

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # After, not before: the worker threads finish the messages in hand first (a
        # graceful stop), and they need the database, the AI client and the notifier.
        close_resources()
