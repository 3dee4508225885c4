"""Finds requests nobody is working on and queues them again.

A request can be left behind when the bot wrote its row but the enqueue was lost, or when
a worker died holding it and its message is gone too (a Redis flush, a lost delay queue).
Every worker process runs a sweeper thread; a Redis lock lets one of them sweep per
interval. Queuing a request twice is harmless: the actor is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from adapters.logcontext import request_context
from db.requests import stale_requests

__all__ = ["Sweeper"]

log = logging.getLogger(__name__)

LOCK_KEY = "flexflow:sweeper"


class Sweeper:
    """A daemon thread that re-queues stale requests every ``interval_s`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        enqueue: Callable[[int], None],
        *,
        redis_url: str | None,
        lease_s: float,
        queued_after_s: float = 300.0,
        interval_s: float = 30.0,
    ) -> None:
        self.sessions = sessions
        self.enqueue = enqueue
        self.lease_s = lease_s
        self.queued_after_s = queued_after_s
        self.interval_s = interval_s
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flexflow-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and let go of Redis."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._redis is not None:
            self._redis.close()

    def _my_turn(self) -> bool:
        if self._redis is None:
            return True
        px = int(self.interval_s * 1000)
        return bool(self._redis.set(LOCK_KEY, "1", nx=True, px=px))

    def sweep(self) -> list[int]:
        """Queue every stale request again; returns their ids."""
        with self.sessions.begin() as session:
            ids = stale_requests(
                session,
                generating_older_than=dt.timedelta(seconds=self.lease_s),
                queued_older_than=dt.timedelta(seconds=self.queued_after_s),
            )
        for request_id in ids:
            with request_context(request_id):
                log.warning("request %s was left behind; queuing it again", request_id)
                self.enqueue(request_id)
        return ids

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self._my_turn():
                    self.sweep()
            except (SQLAlchemyError, redis.RedisError, OSError) as exc:
                log.warning("sweep skipped: %s", exc)
