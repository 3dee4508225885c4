"""Parked AI calls (adapters.aislots.LimitedAI.start) through the real Claude client and the
fake Messages API: ``start`` returns at once, the calls start as slots free up, each
``done`` is told once, after the call's last frame, and closing drops what has not
started."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from adapters.aislots import LimitedAI, LocalSemaphore
from adapters.claude import ClaudeClient
from core.domain import Equipment
from core.partial import Draft
from core.pipeline import AIResult
from tests.fakes.messages_api import FakeMessagesAPI
from tests.support.workouts import anns_request

REQUEST = anns_request(Equipment.DUMBBELLS, Equipment.BENCH)


@pytest.fixture
def fake() -> Iterator[FakeMessagesAPI]:
    """Every answer waits half a second, then streams at 400 tokens a second."""
    with FakeMessagesAPI(latency=0.5, tokens_per_second=400) as server:
        yield server


def parked(fake: FakeMessagesAPI, slots: int) -> LimitedAI:
    client = ClaudeClient(
        api_key=fake.api_key,
        model="claude-sonnet-4-6",
        base_url=fake.url,
        max_retries=0,
        timeout=30.0,
        stall_s=5.0,
        first_byte_s=5.0,
    )
    return LimitedAI(client, LocalSemaphore(limit=slots))


def test_calls_start_in_order_as_slots_free_and_each_is_told_once(
    fake: FakeMessagesAPI,
) -> None:
    ai = parked(fake, slots=2)
    told: list[tuple[int, AIResult]] = []
    frames_after_done: list[int] = []
    lock = threading.Lock()
    finished = threading.Event()

    def call(n: int) -> None:
        def progress(draft: Draft) -> None:
            with lock:
                if any(m == n for m, _ in told):
                    frames_after_done.append(n)

        def done(result: AIResult) -> None:
            with lock:
                told.append((n, result))
                if len(told) == 6:
                    finished.set()

        ai.start(REQUEST, progress, done)

    began = time.monotonic()
    for n in range(6):
        call(n)
    assert time.monotonic() - began < 0.2  # start waits for no slot and no call
    assert finished.wait(60)
    assert sorted(n for n, _ in told) == list(range(6))  # each told once
    assert all(result.attempt.outcome == "ok" for _, result in told)
    assert frames_after_done == []  # no frame after its call's result
    assert fake.max_in_flight == 2  # never more calls than slots
    # With two slots the calls went in pairs: the third began only once a call had ended.
    starts = sorted(r.at for r in fake.requests)
    assert len(starts) == 6
    assert starts[2] - starts[1] > 0.4  # an answer takes at least its 0.5 s latency
    ai.close()
    ai.inner.close()  # type: ignore[attr-defined]


def test_closing_lets_calls_in_flight_finish_and_drops_those_waiting(
    fake: FakeMessagesAPI,
) -> None:
    ai = parked(fake, slots=1)
    told: list[AIResult] = []
    for _ in range(3):
        ai.start(REQUEST, None, told.append)
    deadline = time.monotonic() + 10
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    ai.close()
    assert len(told) == 1 and told[0].attempt.outcome == "ok"  # the one in flight finished
    assert len(fake.requests) == 1  # the two waiting never started
    ai.inner.close()  # type: ignore[attr-defined]
