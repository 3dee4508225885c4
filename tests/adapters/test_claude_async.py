"""The Claude client's calls run on its own event loop (AsyncAnthropic): many worker threads
share one client with their calls in flight together, each thread hears its progress on its
own thread, and a thread that stops waiting ends its call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from dramatiq.middleware.shutdown import Shutdown
from dramatiq.threading import raise_thread_exception

from adapters.claude import ClaudeClient
from core.domain import Equipment
from core.partial import Draft
from core.pipeline import AIResult
from tests.fakes.messages_api import FakeMessagesAPI, hang
from tests.support.workouts import anns_request

REQUEST = anns_request(Equipment.DUMBBELLS, Equipment.BENCH)


def _client(fake: FakeMessagesAPI, **options: float) -> ClaudeClient:
    settings: dict[str, float] = {"timeout": 30.0, "stall_s": 5.0, "first_byte_s": 5.0}
    return ClaudeClient(
        api_key=fake.api_key,
        model="claude-sonnet-4-6",
        base_url=fake.url,
        max_retries=0,
        **(settings | options),
    )


@pytest.fixture
def slow_fake() -> Iterator[FakeMessagesAPI]:
    """Every answer waits a second, then streams at 2,000 tokens a second."""
    with FakeMessagesAPI(latency=1.0, tokens_per_second=2000) as server:
        yield server


def test_a_hundred_threads_share_one_client_with_all_their_calls_in_flight(
    slow_fake: FakeMessagesAPI,
) -> None:
    client = _client(slow_fake)
    results: list[AIResult] = []
    lock = threading.Lock()

    def call() -> None:
        result = client.generate(REQUEST)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=call) for _ in range(100)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        client.close()
    assert [r.attempt.outcome for r in results] == ["ok"] * 100
    assert all(r.workout is not None for r in results)
    assert slow_fake.max_in_flight == 100  # not one after another, nor a pool's worth


def test_progress_is_told_on_the_calling_thread(slow_fake: FakeMessagesAPI) -> None:
    """The frames' database and Bot API work must not run on the loop every stream shares."""
    client = _client(slow_fake)
    seen: list[tuple[int, Draft]] = []
    try:
        result = client.generate(REQUEST, lambda d: seen.append((threading.get_ident(), d)))
    finally:
        client.close()
    assert result.attempt.outcome == "ok"
    assert seen
    assert {ident for ident, _ in seen} == {threading.get_ident()}
    counts = [len(d.exercises) for _, d in seen]
    assert counts == sorted(counts)


def test_a_thread_interrupted_mid_call_ends_it_and_the_client_goes_on(
    slow_fake: FakeMessagesAPI,
) -> None:
    """Dramatiq's shutdown raises into a worker thread waiting for the AI: the wait ends
    within a second, the call is cancelled (the fake sees its connection go), and the next
    call on the same client is answered."""
    client = _client(slow_fake, first_byte_s=30.0, timeout=60.0)
    slow_fake.script(hang(30))
    raised: list[BaseException] = []

    def call() -> None:
        try:
            client.generate(REQUEST, lambda d: None)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=call)
    try:
        thread.start()
        deadline = time.monotonic() + 10
        while slow_fake.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slow_fake.in_flight == 1
        assert thread.ident is not None
        raise_thread_exception(thread.ident, Shutdown)
        thread.join(10)
        assert not thread.is_alive()
        assert [type(exc) for exc in raised] == [Shutdown]
        deadline = time.monotonic() + 5
        while slow_fake.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slow_fake.in_flight == 0  # the connection was closed: the fake's handler ended
        after = client.generate(REQUEST)
    finally:
        client.close()
    assert after.attempt.outcome == "ok"
