"""The AI slots: a counting semaphore shared by every worker process, through Redis, and
``LimitedAI``, the AI client that holds one for each call (FLEXFLOW_AI_CONCURRENCY).

Why not dramatiq's ``ConcurrentRateLimiter``: it keeps one counter with one TTL that every
acquire refreshes, so a slot held by a worker killed with SIGKILL never comes back while
other workers stay busy. Here each holder has its own short lease in a sorted set (score =
when the lease ends), renewed by a background thread while the holder lives, so a dead
holder's slot frees itself within one lease (seconds), however long AI calls take.

Waiting for a slot polls with a short sleep; it never fails the job and never burns one of
Dramatiq's retries.

``LimitedAI.start`` parks a call and returns at once: one thread of the client's waits for
the slots in the order the calls came (a queue: a worker's threads never wait for a slot,
so they are free for the deliveries), starts each call on the client's event loop, and a
few more threads (``STAGE_THREADS``) show the calls' frames and hand on their results. No
thread waits while the AI writes.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import redis

from core.models import WorkoutRequest
from core.partial import Draft
from core.pipeline import AIAttempt, AIClient, AIResult, Progress

__all__ = ["STAGE_THREADS", "LimitedAI", "LocalSemaphore", "RedisSemaphore", "Semaphore"]

log = logging.getLogger(__name__)

STAGE_THREADS = 8
"""Threads that show parked calls' frames and hand on their results (``LimitedAI.start``):
a frame is a database read and one Bot API edit, and at most one a second per call is
shown, so a few serve hundreds of calls."""

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

    def acquire(self, timeout: float | None = None) -> str | None:
        """Wait for a slot (at most ``timeout``); the returned token gives it back
        (``release``); None when the time ran out."""
        ...

    def release(self, token: str) -> None: ...


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

    def acquire(self, timeout: float | None = None) -> str | None:
        """Wait for a slot (at most ``timeout``); the returned token gives it back."""
        deadline = None if timeout is None else time.monotonic() + timeout
        token = self.try_acquire()
        while token is None:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(self.poll_s)
            token = self.try_acquire()
        return token

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a slot, hold it for the block, give it back."""
        token = self.acquire()
        assert token is not None  # no timeout: it waits for one
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

    def acquire(self, timeout: float | None = None) -> str | None:
        return "local" if self._sem.acquire(timeout=timeout) else None

    def release(self, token: str) -> None:
        self._sem.release()


class Parkable(Protocol):
    """An AI client whose call can run without a thread waiting for it (adapters/claude.py)."""

    def submit(
        self, request: WorkoutRequest, progress: Progress | None = None
    ) -> concurrent.futures.Future[AIResult]: ...


class _Frames:
    """The frames of one parked call: the loop ``put``s each draft (it never waits); one of
    the stage's threads shows the newest, one at a time, and none once the call is over
    (``close_then``). Only the newest is kept: each draft holds the earlier ones' exercises."""

    def __init__(
        self, progress: Progress, pool: concurrent.futures.Executor, context: contextvars.Context
    ) -> None:
        self._progress = progress
        self._pool = pool
        self._context = context
        self._lock = threading.Lock()
        self._newest: Draft | None = None
        self._showing = False
        self._closed = False
        self._then: Callable[[], None] | None = None

    def put(self, draft: Draft) -> None:
        with self._lock:
            if self._closed:
                return
            self._newest = draft
            if self._showing:
                return
            self._showing = True
        try:
            self._pool.submit(self._context.copy().run, self._show)
        except RuntimeError:  # the stage is closing: no more frames
            with self._lock:
                self._showing = False

    def _show(self) -> None:
        while True:
            with self._lock:
                draft, self._newest = self._newest, None
                if draft is None or self._closed:
                    self._showing = False
                    then, self._then = self._then, None
                    break
            try:
                self._progress(draft)
            except Exception:  # showing progress is best effort; the answer matters
                log.warning("showing the AI's progress failed", exc_info=True)
        if then is not None:
            then()

    def close_then(self, then: Callable[[], None]) -> None:
        """No more frames; ``then`` once the frame being shown (if any) is out, so nothing
        shown can land after what ``then`` sends."""
        with self._lock:
            self._closed = True
            if self._showing:
                self._then = then
                return
        then()


@dataclass(frozen=True, slots=True)
class _Call:
    """A parked call waiting for its slot."""

    request: WorkoutRequest
    progress: Progress | None
    done: Callable[[AIResult], None]
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    """The caller's context (the request id on every log line), for the call's own work."""


class LimitedAI:
    """An AI client that holds one of the shared AI slots for the length of each call."""

    def __init__(self, inner: AIClient, slots: Semaphore) -> None:
        self.inner = inner
        self.slots = slots
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._in_flight: set[concurrent.futures.Future[AIResult]] = set()
        self._waiting: queue.Queue[_Call | None] = queue.Queue()
        self._pump: threading.Thread | None = None
        self._closing = threading.Event()
        self._dropped = 0
        """Calls dropped by ``close`` before they could start."""

    @property
    def parks(self) -> bool:
        """Whether ``start`` can run a call without a thread waiting for it."""
        return hasattr(self.inner, "submit")

    def _stage(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    STAGE_THREADS, thread_name_prefix="ai-stage"
                )
            return self._pool

    def start(
        self,
        request: WorkoutRequest,
        progress: Progress | None,
        done: Callable[[AIResult], None],
    ) -> None:
        """Park a call: it starts once a slot is free (in the order of ``start``), and this
        returns at once.

        ``progress`` is told the newest draft on one of the stage's threads; ``done`` is
        told the result there too, once the call is over, its slot given back and its last
        frame out: exactly once, whatever happens to the call, unless the stage closes
        before the call could start (then its claim lapses, see jobs/leases.py).
        """
        self._stage()
        with self._pool_lock:
            if self._pump is None:
                self._pump = threading.Thread(target=self._pump_slots, name="ai-slots", daemon=True)
                self._pump.start()
        self._waiting.put(_Call(request, progress, done))

    def _pump_slots(self) -> None:
        """Start the waiting calls in order, each once it has a slot; none once closing."""
        while (call := self._waiting.get()) is not None:
            token = None
            while token is None and not self._closing.is_set():
                try:
                    token = self.slots.acquire(timeout=0.5)
                except redis.RedisError as exc:  # the calls wait for Redis to be back
                    log.warning("AI slots unreachable (%s); trying again in a second", exc)
                    self._closing.wait(1.0)
            if token is None:
                self._dropped += 1
                continue
            if self._closing.is_set():
                self._give_back(token)
                self._dropped += 1
                continue
            try:
                call.context.copy().run(self._launch, call, token)
            except Exception:
                self._give_back(token)
                log.exception("an AI call could not start")
                try:
                    call.done(self._failed(time.monotonic(), "the call could not start"))
                except Exception:
                    log.exception("handing on an AI call's result failed")

    def _launch(self, call: _Call, token: str) -> None:
        inner: Parkable = self.inner  # type: ignore[assignment]  # ``parks`` says it is
        pool = self._stage()
        context = call.context
        frames = _Frames(call.progress, pool, context) if call.progress is not None else None
        started = time.monotonic()
        future = inner.submit(call.request, frames.put if frames is not None else None)
        self._in_flight.add(future)
        done = call.done

        def over(_: concurrent.futures.Future[AIResult]) -> None:
            try:
                pool.submit(context.copy().run, self._over, future, token, frames, done, started)
            except RuntimeError:  # the stage is closed: hand the result on from here
                self._over(future, token, frames, done, started)

        future.add_done_callback(over)

    def _give_back(self, token: str) -> None:
        try:
            self.slots.release(token)
        except redis.RedisError:  # its lease runs out by itself within seconds
            log.warning("could not give an AI slot back; its lease will free it", exc_info=True)

    def _failed(self, started: float, reason: str) -> AIResult:
        attempt = AIAttempt(
            model=self.model,
            latency_ms=int((time.monotonic() - started) * 1000),
            outcome="error",
            error=reason,
        )
        return AIResult(None, attempt)

    def _over(
        self,
        future: concurrent.futures.Future[AIResult],
        token: str,
        frames: _Frames | None,
        done: Callable[[AIResult], None],
        started: float,
    ) -> None:
        self._in_flight.discard(future)
        self._give_back(token)
        try:
            result = future.result()
        except BaseException as exc:  # cancelled, overdue or a bug: the request falls back
            result = self._failed(
                started, f"the call ended without an answer ({type(exc).__name__})"
            )

        def tell() -> None:
            try:
                done(result)
            except Exception:
                log.exception("handing on an AI call's result failed")

        if frames is None:
            tell()
        else:
            frames.close_then(tell)

    def close(self, timeout: float = 30.0) -> None:
        """Let the calls in flight finish (at most ``timeout``) and hand on their results.
        Calls still waiting for a slot are dropped: their claims lapse, and the sweeper
        queues their requests again (within ``jobs.leases.CLAIM_LEASE_S`` and a sweep)."""
        self._closing.set()
        self._waiting.put(None)  # the pump drops what waits, then stops
        if self._pump is not None:
            self._pump.join(timeout=5)
        if self._dropped:
            log.warning(
                "%d AI call(s) not started; their requests will be queued again", self._dropped
            )
        in_flight = list(self._in_flight)
        if in_flight:
            log.info("waiting for %d AI call(s) in flight", len(in_flight))
            concurrent.futures.wait(in_flight, timeout=timeout)
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    @property
    def model(self) -> str:
        return self.inner.model

    def generate(self, request: WorkoutRequest, progress: Progress | None = None) -> AIResult:
        with self.slots.slot():
            if progress is None:
                return self.inner.generate(request)
            return self.inner.generate(request, progress)
