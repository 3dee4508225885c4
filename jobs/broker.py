"""The Dramatiq broker, configured once; every actor module imports this first.

``REDIS_URL`` set: the Redis broker, shared by the bot and every ``flexflow worker``.
Unset: an in-process stub broker, served by an in-process worker (the embedded default).
``setup_broker`` switches at run time (tests, the embedded bot) and re-binds the actors.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from core.settings import get_settings
from jobs.resources import ResourcesMiddleware
from jobs.shutdown import GracefulShutdown

__all__ = ["HEARTBEAT_TIMEOUT_MS", "make_broker", "setup_broker"]

HEARTBEAT_TIMEOUT_MS = 15_000
"""A worker silent this long is dead and its messages go back on the queue. Dramatiq's
default is 60 s, long for someone waiting in a chat; workers beat every few seconds."""
MAINTENANCE_CHANCE = 100_000
"""Per million broker commands, how often a dead worker's messages are looked for (10%)."""


def make_broker(redis_url: str | None) -> dramatiq.Broker:
    """A broker with our middleware: Redis when a URL is given, a stub otherwise."""
    broker: dramatiq.Broker
    if redis_url:
        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url,
            namespace="flexflow",
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_CHANCE,
            socket_timeout=10,
            socket_connect_timeout=3,
        )
    else:
        broker = StubBroker()
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(ResourcesMiddleware())
    broker.add_middleware(GracefulShutdown())
    return broker


def setup_broker(redis_url: str | None) -> dramatiq.Broker:
    """Make a new broker the global one and move every declared actor onto it."""
    old = dramatiq.get_broker()
    broker = make_broker(redis_url)
    dramatiq.set_broker(broker)
    for name in old.get_declared_actors():
        actor = old.get_actor(name)
        actor.broker = broker
        broker.declare_actor(actor)
    return broker


dramatiq.set_broker(make_broker(get_settings().redis_url))
