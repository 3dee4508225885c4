"""A daemon thread that runs the stale-request sweep every ``interval_s`` seconds.

What a sweep does is the use case's (``usecases.generation.requeue_stale``: requests
nobody is working on are queued again); this module only paces it. Every worker process
runs a sweeper; with a Redis lock (``lock``) one of them sweeps per interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import redis
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["Sweeper"]

log = logging.getLogger(__name__)


class Sweeper:
    """Runs ``sweep`` every ``interval_s`` seconds in a daemon thread, one process at a time."""

    QUEUED_AFTER_S = 300.0
    """A request still queued this long was lost on its way to the queue."""

    def __init__(
        self,
        sweep: Callable[[], list[int]],
        *,
        lock: redis.Redis | None,
        lock_key: str,
        interval_s: float = 30.0,
    ) -> None:
        self.sweep = sweep
        """One sweep; returns the ids it queued again."""
        self.interval_s = interval_s
        self._lock = lock
        self._lock_key = lock_key
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flexflow-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and let go of Redis."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._lock is not None:
            self._lock.close()

    def _my_turn(self) -> bool:
        if self._lock is None:
            return True
        px = int(self.interval_s * 1000)
        return bool(self._lock.set(self._lock_key, "1", nx=True, px=px))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self._my_turn():
                    self.sweep()
            except (SQLAlchemyError, redis.RedisError, OSError) as exc:
                log.warning("sweep skipped: %s", exc)
