"""The send budget's bulk tier (the scheduler's reminders, adapters.sendbudget
``reserve_bulk_async``/``acquire_bulk_async``): below every other message, in the order
asked; on a real Redis and in-process. That no slot is left unused is measured at the
receiving end by ``python -m bench reminders``.

The schedules are read from the bookings (each says how long its sender waits), not from
the clock, except where a test must let bulk messages really go one after another.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.sendbudget import (
    BULK_LOOKAHEAD,
    GLOBAL_BURST,
    GLOBAL_RATE,
    PER_CHAT_BURST,
    SendLimiter,
)


@pytest.fixture(params=["redis", "in-process"])
def limiter(request: pytest.FixtureRequest, redis_url: str) -> SendLimiter:
    return SendLimiter(redis_url if request.param == "redis" else None)


async def test_a_bulk_message_never_books_ahead_of_waiting_replies(limiter: SendLimiter) -> None:
    """Five replies booked (the budget busy for the next few slots): the bulk message books
    nothing until their slots are within one slot of now."""
    replies = [limiter.reserve(100 + n) for n in range(5)]
    last_reply = max(r.wait for r in replies)
    wait, booked = await limiter.reserve_bulk_async(7)
    assert not booked
    # it may ask again when the replies' last slot is one slot away, not before
    assert wait == pytest.approx(last_reply + (GLOBAL_BURST - 1) / GLOBAL_RATE, abs=0.01)
    await limiter.aclose()


async def test_a_reply_during_a_bulk_stream_gets_the_next_slot(limiter: SendLimiter) -> None:
    """Bulk messages book at most one slot ahead, so a reply that comes among them waits at
    most that slot (GLOBAL_BURST 2: not at all), however many bulk messages are waiting."""
    wait, booked = await limiter.reserve_bulk_async(7)
    assert booked and wait == 0
    reply = limiter.reserve(8)
    assert reply.overall and reply.wait <= BULK_LOOKAHEAD
    wait, booked = await limiter.reserve_bulk_async(9)
    assert not booked  # the next bulk message waits for the reply's slot to come
    await limiter.aclose()


async def test_bulk_messages_go_in_the_order_they_asked(limiter: SendLimiter) -> None:
    """Thirty bulk messages asked for one after another, all waiting at once: they leave in
    that order (the waiters of one process book one at a time, first come first served)."""
    left: list[tuple[int, float]] = []

    async def send(n: int) -> None:
        await limiter.acquire_bulk_async(1000 + n)
        left.append((n, time.monotonic()))

    senders = []
    for n in range(30):
        senders.append(asyncio.create_task(send(n)))
        await asyncio.sleep(0)  # each asks before the next
    await asyncio.gather(*senders)
    assert [n for n, _ in left] == list(range(30))
    await limiter.aclose()


async def test_a_bulk_message_to_a_busy_chat_books_nothing(limiter: SendLimiter) -> None:
    """Its chat must wait: neither the chat's budget nor the bot-wide one is booked, so the
    next message anywhere goes as if it had not asked."""
    for _ in range(PER_CHAT_BURST + 2):
        limiter.reserve(7)  # chat 7 is booked for the next seconds, the bot for 3 slots
    wait, booked = await limiter.reserve_bulk_async(7)
    assert not booked and wait > 0.5
    after = limiter.reserve(None)
    assert after.wait == pytest.approx((PER_CHAT_BURST - GLOBAL_BURST + 1) / GLOBAL_RATE, abs=0.01)
    await limiter.aclose()
