"""The Dramatiq broker: Redis woken by each enqueue, or a stub for the embedded worker.

``REDIS_URL`` set: the Redis broker, shared by the bot and every ``flexflow worker``.
Unset: an in-process stub broker, served by an in-process worker (the embedded default).
``make_broker`` builds one with the middleware it is given; the composition root
(jobs/root.py) decides which, declares the actors and makes it the process's broker.
"""

from __future__ import annotations

from typing import Any

import dramatiq
import redis
from dramatiq import Consumer, Message, MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import ConnectionClosed

from jobs.enqueue import NAMESPACE

__all__ = ["HEARTBEAT_TIMEOUT_MS", "WakingRedisBroker", "make_broker"]

HEARTBEAT_TIMEOUT_MS = 15_000
"""A worker silent this long is dead and its messages go back on the queue. Dramatiq's
default is 60 s, long for someone waiting in a chat; workers beat every few seconds."""
MAINTENANCE_CHANCE = 100_000
"""Per million broker commands, how often a dead worker's messages are looked for (10%)."""


IDLE_WAIT_S = 0.25
"""How long an idle consumer blocks on its queue's wake-up list before fetching anyway
(for messages that arrive without a wake-up: redelivered ones, delayed ones coming due)."""
WAKE_BACKLOG = 64
"""Wake-ups kept per queue; more would only wake idle consumers that find nothing."""


class _WakingConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, woken by each enqueue instead of polling.

    Dramatiq's consumer polls Redis with a growing backoff when its queue is empty (up to
    the worker timeout), so a request that arrives at an idle worker waited up to that
    backoff (13.5 ms on average with a 25 ms cap, in the overhead benchmark) and an idle
    worker polled 40 times a second per queue. Here the consumer's own backoff is 1 ms and,
    when it found nothing, it blocks on a Redis list that ``WakingRedisBroker.enqueue``
    pushes to: a new message is fetched about as soon as it is written.
    """

    def __next__(self) -> MessageProxy | None:
        message: MessageProxy | None = super().__next__()  # type: ignore[no-untyped-call]
        if message is None:
            try:
                self.broker.wait_for_work(self.queue_name)
            except redis.ConnectionError as exc:  # as Dramatiq's consumer reports it
                raise ConnectionClosed(exc) from None  # type: ignore[no-untyped-call]
        return message


class WakingRedisBroker(RedisBroker):
    """The Redis broker whose enqueue wakes an idle consumer of the queue at once."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return _WakingConsumer

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        return _WakingConsumer(self, queue_name, prefetch, 1)  # type: ignore[no-untyped-call]

    def _wake_key(self, queue_name: str) -> str:
        return f"{self.namespace}:{queue_name}.wake"

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        sent: Message[Any] = super().enqueue(message, delay=delay)
        key = self._wake_key(sent.queue_name)
        with self.client.pipeline(transaction=False) as pipe:
            pipe.lpush(key, 1)
            pipe.ltrim(key, 0, WAKE_BACKLOG - 1)
            pipe.execute()
        return sent

    def wait_for_work(self, queue_name: str) -> None:
        """Block until a message is enqueued on ``queue_name`` or ``IDLE_WAIT_S`` passes."""
        self.client.blpop([self._wake_key(queue_name)], timeout=IDLE_WAIT_S)


def make_broker(redis_url: str | None, middleware: list[dramatiq.Middleware]) -> dramatiq.Broker:
    """A broker, Redis when a URL is given and a stub otherwise, with ``middleware`` added
    after Dramatiq's own (the first of them runs before Dramatiq's, see jobs/root.py)."""
    broker: dramatiq.Broker
    if redis_url:
        broker = WakingRedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url,
            namespace=NAMESPACE,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_CHANCE,
            socket_timeout=10,
            socket_connect_timeout=3,
        )
    else:
        broker = StubBroker()
    first, *rest = middleware
    # First, so the request id is set before any other middleware runs and reset after all.
    broker.add_middleware(first, before=type(broker.middleware[0]))
    for extra in rest:
        broker.add_middleware(extra)
    return broker
