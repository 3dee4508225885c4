"""The AI slots: a counting semaphore shared by every worker process, through Redis, and
``LimitedAI``, the AI client that holds one for each call (FLEXFLOW_AI_CONCURRENCY).

Why not dramatiq's ``ConcurrentRateLimiter``: it keeps one counter with one TTL that every
acquire refreshes, so a slot held by a worker killed with SIGKILL never comes back while
other workers stay busy. Here each holder has its own short lease in a sorted set (score =
when the lease ends), renewed by a background thread while the holder lives, so a dead
holder's slot frees itself within one lease (seconds), however long AI calls take.

Waiting for a slot polls with a short sleep; it never fails the job and never burns one of
Dramatiq's retries.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

import redis

from core.models import WorkoutRequest
from core.pipeline import AIClient, AIResult, Progress

__all__ = ["LimitedAI", "LocalSemaphore", "RedisSemaphore", "Semaphore"]

_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, token in ipairs(ARGV) do
  if i > 1 then redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), token) end
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000)
return 1
"""

_ACQUIRE = """
local key, limit, lease_ms, token = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now + lease_ms, token)
  redis.call('PEXPIRE', key, lease_ms + 1000)
  return 1
end
return 0
"""


class Semaphore(Protocol):
    """At most ``limit`` holders at once."""

    limit: int

    def slot(self) -> AbstractContextManager[None]: ...


class RedisSemaphore:
    """A semaphore of ``limit`` slots named ``key``; each holder's lease lasts ``lease_s``."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        *,
        limit: int,
        lease_s: float = 10.0,
        poll_s: float = 0.05,
    ) -> None:
        self.client = client
        self.key = key
        self.limit = limit
        self.lease_ms = int(lease_s * 1000)
        self.poll_s = poll_s
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._closed = threading.Event()

    def try_acquire(self) -> str | None:
        """Take a slot if one is free; the returned token releases it."""
        token = uuid.uuid4().hex
        got = self._acquire(keys=[self.key], args=[self.limit, self.lease_ms, token])
        if not got:
            return None
        with self._lock:
            self._held.add(token)
            if self._renewer is None:
                self._renewer = threading.Thread(
                    target=self._renew_forever, name="ai-slot-renewer", daemon=True
                )
                self._renewer.start()
        return token

    def release(self, token: str) -> None:
        with self._lock:
            self._held.discard(token)
        self.client.zrem(self.key, token)

    def _renew_forever(self) -> None:
        """Keep this process's leases alive: renew every third of a lease."""
        while not self._closed.wait(self.lease_ms / 3000):
            with self._lock:
                tokens = list(self._held)
            if tokens:
                try:
                    self._renew(keys=[self.key], args=[self.lease_ms, *tokens])
                except redis.RedisError:
                    continue  # next round; a lease lost meanwhile only frees a slot early

    def close(self) -> None:
        self._closed.set()

    def in_use(self) -> int:
        now_ms = int(time.time() * 1000)
        return int(self.client.zcount(self.key, now_ms, "+inf"))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a slot, hold it for the block, give it back."""
        token = self.try_acquire()
        while token is None:
            time.sleep(self.poll_s)
            token = self.try_acquire()
        try:
            yield
        finally:
            self.release(token)


class LocalSemaphore:
    """The same contract inside one process (the embedded default, no Redis)."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self._sem = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._sem:
            yield


class LimitedAI:
    """An AI client that holds one of the shared AI slots for the length of each call."""

    def __init__(self, inner: AIClient, slots: Semaphore) -> None:
        self.inner = inner
        self.slots = slots

    @property
    def model(self) -> str:
        return self.inner.model

    def generate(self, request: WorkoutRequest, progress: Progress | None = None) -> AIResult:
        with self.slots.slot():
            if progress is None:
                return self.inner.generate(request)
            return self.inner.generate(request, progress)
