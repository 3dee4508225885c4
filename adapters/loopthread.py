"""One background asyncio loop, for synchronous callers that talk to asynchronous clients.

Worker threads are synchronous (Dramatiq's); the Bot API client (python-telegram-bot) and
the AI client (``anthropic.AsyncAnthropic``) are asynchronous. Each of those owns a
``LoopThread``: one event loop on one daemon thread, where all of its I/O runs, so a
hundred calls in flight cost a hundred coroutines and sockets, not a hundred blocked HTTP
clients. Callers hand it coroutines (``run`` waits for the result, ``submit`` returns the
future).

Why not Dramatiq's ``AsyncIO`` middleware and its ``EventLoopThread``: the middleware
exists only inside a Dramatiq worker (the embedded worker, ``flexflow generate`` and the
benchmarks have none), and its ``run_coroutine`` polls its future every 100 ms per
waiting thread; here a waiting thread sleeps until its result is there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")

STEP_S = 1.0
"""A waiting caller wakes this often: Python delivers an exception raised into a thread
(Dramatiq's shutdown and time-limit interrupts) only between two of its instructions, never
inside one long wait."""


class LoopThread:
    """An event loop running on its own daemon thread until ``close``."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start ``coro`` on the loop; cancelling the future cancels the coroutine."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coro`` on the loop and wait for its result, at most ``timeout`` seconds
        (then it is cancelled and ``TimeoutError`` raised). A caller interrupted while it
        waits cancels it too. Called from the loop's own thread it would wait for itself
        forever, so that raises at once."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("LoopThread.run called from its own loop")
        future = self.submit(coro)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    return future.result(min(STEP_S, max(0.0, deadline - time.monotonic())))
                except concurrent.futures.TimeoutError:
                    if future.done() or time.monotonic() >= deadline:
                        raise
        except BaseException:
            future.cancel()  # overdue, or the caller interrupted: the call must not go on
            raise

    def close(self, timeout: float = 5.0) -> None:
        """Stop the loop once what it is running now has had ``timeout`` to end."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=timeout)
        if not self._thread.is_alive():
            self.loop.close()
