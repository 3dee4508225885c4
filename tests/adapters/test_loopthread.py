"""adapters.loopthread: a synchronous caller runs coroutines on one background loop, and a
caller that gives up (overdue, or interrupted the way Dramatiq interrupts a worker thread)
cancels what it was waiting for."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from dramatiq.middleware.shutdown import Shutdown
from dramatiq.threading import raise_thread_exception

from adapters.loopthread import LoopThread


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread("test-loop")
    yield thread
    thread.close()


def test_run_returns_what_the_coroutine_returns_and_raises_what_it_raises(
    loop: LoopThread,
) -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    async def fail() -> None:
        raise ValueError("no")

    assert loop.run(double(21), timeout=5) == 42
    with pytest.raises(ValueError, match="no"):
        loop.run(fail(), timeout=5)


def test_an_overdue_coroutine_is_cancelled(loop: LoopThread) -> None:
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        loop.run(forever(), timeout=0.2)
    assert cancelled.wait(5)


def test_a_caller_interrupted_while_it_waits_cancels_the_coroutine(loop: LoopThread) -> None:
    """Dramatiq stops a worker thread by raising an exception into it
    (``raise_thread_exception``); the thread notices between two waits of a second."""
    started, cancelled = threading.Event(), threading.Event()
    raised: list[BaseException] = []

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def caller() -> None:
        try:
            loop.run(forever(), timeout=60)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    assert started.wait(5)
    assert thread.ident is not None
    raise_thread_exception(thread.ident, Shutdown)
    thread.join(10)
    assert not thread.is_alive()
    assert [type(exc) for exc in raised] == [Shutdown]
    assert cancelled.wait(5)


def test_many_callers_wait_on_one_loop_at_once(loop: LoopThread) -> None:
    """Two hundred threads each waiting for a coroutine of half a second: all of them are
    in flight together on the one loop (the most seen at once is counted)."""
    in_flight, most = 0, 0
    lock = threading.Lock()

    async def call() -> int:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        await asyncio.sleep(0.5)
        with lock:
            in_flight -= 1
        return 1

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(loop.run(call(), timeout=30)))
               for _ in range(200)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(results) == 200
    assert most == 200


def test_run_on_the_loops_own_thread_refuses_instead_of_waiting_forever(
    loop: LoopThread,
) -> None:
    async def inner() -> int:
        return 1

    async def outer() -> str:
        try:
            loop.run(inner(), timeout=1)
        except RuntimeError as exc:
            return str(exc)
        return "ran"

    assert "own loop" in loop.run(outer(), timeout=5)
