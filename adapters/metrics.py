"""Prometheus metrics of the worker and the bot, and the endpoint that serves them.

Where each number comes from:

    usecases/generation.py (through PrometheusObserver)
                      flexflow_ai_attempts_total{outcome}     every AI call, by outcome
                      flexflow_ai_tokens_total{kind}          input/output/cache_read/cache_write
                      flexflow_workouts_total{source}         ai/fallback/rule_based
                      flexflow_generation_seconds{source}     histogram: building one workout
                      flexflow_deliveries_total{result}       delivered/chat_closed/failed
    adapters/telegram.py
                      flexflow_telegram_errors_total{process,code}
                                                              failed Bot API calls by HTTP code
    at scrape time    flexflow_requests{state}                requests by state (the database)
                      flexflow_queue_messages{queue,status}   the Dramatiq queues (Redis)
    Dramatiq           dramatiq_messages_total and the rest of its Prometheus middleware
                       (``flexflow worker`` only, see jobs/prometheus.py)

``flexflow worker`` runs several processes: it points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory before any of them imports prometheus_client, so each process writes its values
there (prometheus_client's multiprocess mode) and one exposition process sums them. The bot
is one process: its own registry is served from a thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.pipeline import AIAttempt, PipelineResult
from db.models import REQUEST_STATES
from db.requests import count_by_state
from usecases.ports import DeliveryResult

__all__ = [
    "AI_ATTEMPTS",
    "AI_TOKENS",
    "DELIVERIES",
    "GENERATION_SECONDS",
    "TELEGRAM_ERRORS",
    "WORKOUTS",
    "PrometheusObserver",
    "QueueCollector",
    "StateCollector",
    "metrics_registry",
    "record_attempts",
    "record_delivery",
    "record_telegram_error",
    "record_workout",
    "serve_metrics",
]

log = logging.getLogger(__name__)

AI_ATTEMPTS = Counter(
    "flexflow_ai_attempts",
    "Calls to the AI, by outcome (ok, rejected, invalid, error).",
    ["outcome"],
)
AI_TOKENS = Counter(
    "flexflow_ai_tokens",
    "Tokens of the AI calls: input, output, cache_read, cache_write.",
    ["kind"],
)
AI_REPAIRS = Counter(
    "flexflow_ai_repairs",
    "Changes made to fit AI answers to their requests, by kind (core/repair.py: gear, "
    "level, duplicate, count, alternatives, weight, blocks, sets, rest, duration).",
    ["kind"],
)
WORKOUTS = Counter(
    "flexflow_workouts",
    "Workouts saved, by source: ai, fallback (the AI failed), rule_based (no AI configured).",
    ["source"],
)
GENERATION_SECONDS = Histogram(
    "flexflow_generation_seconds",
    "Time to build one workout (the AI call, checks and any fallback), by source.",
    ["source"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300),
)
DELIVERIES = Counter(
    "flexflow_deliveries",
    "Requests finished in a chat: delivered, chat_closed (the bot was blocked), "
    "failed (retries ran out).",
    ["result"],
)
TELEGRAM_ERRORS = Counter(
    "flexflow_telegram_errors",
    "Bot API calls that failed, by process (bot, worker) and HTTP code "
    "(or network, timeout when there was no answer).",
    ["process", "code"],
)


def record_attempts(attempts: Iterable[AIAttempt]) -> None:
    """Count AI calls and their tokens (each call counts once, whatever became of it)."""
    for attempt in attempts:
        AI_ATTEMPTS.labels(attempt.outcome).inc()
        for repair in attempt.repairs:
            AI_REPAIRS.labels(repair.kind).inc()
        for kind, tokens in (
            ("input", attempt.input_tokens),
            ("output", attempt.output_tokens),
            ("cache_read", attempt.cache_read_tokens),
            ("cache_write", attempt.cache_write_tokens),
        ):
            if tokens:
                AI_TOKENS.labels(kind).inc(tokens)


def record_workout(result: PipelineResult, seconds: float) -> None:
    """Count a saved workout by source and how long building it took."""
    WORKOUTS.labels(result.source).inc()
    GENERATION_SECONDS.labels(result.source).observe(seconds)


def record_delivery(result: str) -> None:
    """Count a request that ended in a chat: delivered, chat_closed or failed."""
    DELIVERIES.labels(result).inc()


class PrometheusObserver:
    """The generation use case's observer (usecases.ports.Observer): counts what it hears."""

    def attempts(self, attempts: Iterable[AIAttempt]) -> None:
        record_attempts(attempts)

    def workout(self, result: PipelineResult, seconds: float) -> None:
        record_workout(result, seconds)

    def delivery(self, result: DeliveryResult) -> None:
        record_delivery(result)


def record_telegram_error(process: str, code: str) -> None:
    """Count one failed Bot API call."""
    TELEGRAM_ERRORS.labels(process, code).inc()


class StateCollector:
    """``flexflow_requests{state}``: counted in the database when scraped, so it is right
    whichever process moved a request (and after any restart)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[Metric]:
        try:
            with self._sessions.begin() as session:
                counts = count_by_state(session)
        except SQLAlchemyError as exc:
            log.warning("metrics: cannot count requests: %s", type(exc).__name__)
            return
        family = GaugeMetricFamily(
            "flexflow_requests",
            "Generation requests by state (from the database).",
            labels=["state"],
        )
        for state in REQUEST_STATES:
            family.add_metric([state], counts.get(state, 0))
        yield family


class QueueCollector:
    """``flexflow_queue_messages{queue,status}`` from the Redis broker's keys when scraped.

    status ``waiting``: on the queue, not yet taken by a worker (the queue's length);
    ``unfinished``: not yet acknowledged (waiting, plus those workers hold, delayed ones too);
    ``dead``: dead-lettered.
    """

    def __init__(self, redis_url: str, namespace: str, queues: Iterable[str]) -> None:
        self._client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=3)
        self._namespace = namespace
        self._queues = sorted(queues)

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "flexflow_queue_messages",
            "Messages of the Dramatiq queues in Redis: waiting, unfinished, dead.",
            labels=["queue", "status"],
        )
        try:
            pipe = self._client.pipeline(transaction=False)
            for queue in self._queues:
                key = f"{self._namespace}:{queue}"
                pipe.llen(key)
                pipe.hlen(f"{key}.msgs")
                pipe.zcard(f"{key}.XQ")
            values = pipe.execute()
        except redis.RedisError as exc:
            log.warning("metrics: cannot read the queues: %s", type(exc).__name__)
            return
        for index, queue in enumerate(self._queues):
            waiting, unfinished, dead = values[3 * index : 3 * index + 3]
            family.add_metric([queue, "waiting"], waiting)
            family.add_metric([queue, "unfinished"], unfinished)
            family.add_metric([queue, "dead"], dead)
        yield family

    def close(self) -> None:
        self._client.close()


class _Default:
    """The process's default registry inside another one (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def metrics_registry(*extra: Any) -> CollectorRegistry:
    """What an endpoint serves: this process's metrics (or, in multiprocess mode, every
    process's), plus ``extra`` collectors read when scraped."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return registry


def serve_metrics(host: str, port: int, registry: CollectorRegistry) -> Any:
    """Serve ``/metrics`` from a daemon thread; returns the server (``shutdown()`` stops it)."""
    server, _thread = start_http_server(port, addr=host, registry=registry)
    log.info("metrics on http://%s:%d/metrics", host, port)
    return server
