"""The send budget's delivery line (adapters.sendbudget ``Line.DELIVERY``): the worker's
messages below the bot's replies and above the reminders' bulk line and the frames; on a
real Redis and in-process. What it does for a burst of 1,000 Generate taps (the last
workout's time) is measured by ``python -m bench throughput``.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from adapters.sendbudget import (
    BULK_LOOKAHEAD,
    GLOBAL_BURST,
    GLOBAL_CEILING,
    GLOBAL_RATE,
    Line,
    SendLimiter,
)

SEVEN = 1_790_000_000.0
"""A 07:00, in seconds since the epoch."""


async def test_a_delivery_on_a_quiet_bot_goes_at_once_in_one_booking(
    limiter: SendLimiter,
) -> None:
    """Nothing waits: booked to go now and counted against the ceiling in the same call (a
    lone request pays no second round trip), and the next reply is not held up by it."""
    wait, booked, stamped = await limiter.reserve_line_async(Line.DELIVERY, 7, "a", SEVEN)
    assert (wait, booked, stamped) == (0.0, True, True)
    assert limiter.reserve(8).wait == 0  # GLOBAL_BURST 2: the reply goes too
    await limiter.aclose()


async def test_a_delivery_never_books_ahead_of_waiting_replies(limiter: SendLimiter) -> None:
    """Ten replies booked (a burst of taps' "writing…" edits): the delivery books nothing
    until their slots are within one slot of now, then goes; the replies keep their slots."""
    start = time.monotonic()
    replies = [limiter.reserve(100 + n) for n in range(10)]
    last_reply = replies[-1].wait
    asked = time.monotonic() - start
    wait, booked, _ = await limiter.reserve_line_async(Line.DELIVERY, 7, "a", SEVEN)
    assert not booked
    expected = last_reply + (GLOBAL_BURST - 1) / GLOBAL_RATE
    assert expected - asked - 0.01 <= wait <= expected + 0.01
    # A reply that comes while the delivery waits still books the next slot, ahead of it.
    reply = limiter.reserve(200)
    assert reply.wait == pytest.approx(last_reply + 1 / GLOBAL_RATE - asked, abs=0.02)
    await limiter.acquire_line_async(Line.DELIVERY, 7)
    left = time.monotonic() - start
    assert left >= reply.wait - BULK_LOOKAHEAD - 0.01  # not before the late reply's slot
    await limiter.aclose()


async def test_no_reminder_books_while_a_delivery_waits(limiter: SendLimiter) -> None:
    """A delivery waiting in its line (the budget busy) holds the bulk line, however early
    the reminder is due; once the delivery has gone, the reminder goes."""
    for n in range(4):
        limiter.reserve(100 + n)
    _, booked, _ = await limiter.reserve_line_async(Line.DELIVERY, 7, "d", SEVEN + 60)
    assert not booked
    await asyncio.sleep(4 / GLOBAL_RATE + 0.01)  # the replies' slots have passed
    wait, booked = await limiter.reserve_bulk_async(8, "r", SEVEN)
    assert not booked and wait <= BULK_LOOKAHEAD + 0.001  # asks again in a slot
    wait, booked, _ = await limiter.reserve_line_async(Line.DELIVERY, 7, "d", SEVEN + 60)
    assert booked
    await asyncio.sleep(wait + 1 / GLOBAL_RATE)
    await asyncio.wait_for(limiter.acquire_bulk_async(8, (SEVEN, 1)), timeout=1)
    await limiter.aclose()


async def test_a_frame_is_dropped_while_a_delivery_waits(limiter: SendLimiter) -> None:
    """The budget idle again, but a delivery is first in its line: the frame books nothing,
    so it cannot take the slot the delivery is about to book."""
    for n in range(3):
        limiter.reserve(100 + n)
    _, booked, _ = await limiter.reserve_line_async(Line.DELIVERY, 7, "d", SEVEN)
    assert not booked
    await asyncio.sleep(3 / GLOBAL_RATE + 0.01)
    assert not await limiter.try_reserve_async(9)
    _, booked, _ = await limiter.reserve_line_async(Line.DELIVERY, 7, "d", SEVEN)
    assert booked
    await asyncio.sleep(1 / GLOBAL_RATE + 0.01)
    assert await limiter.try_reserve_async(9)  # nobody waits: frames go again
    await limiter.aclose()


async def test_deliveries_leave_in_the_order_they_asked_whoever_holds_them(
    two_workers: list[SendLimiter],
) -> None:
    """Thirty deliveries held by two workers while replies fill the budget: they leave in
    the order they first asked, at the bot's pace, never more than the ceiling in a second."""
    for n in range(10):
        two_workers[0].reserve(100 + n)
    order = list(range(30))
    random.Random(5).shuffle(order)
    left: list[tuple[int, float]] = []

    async def send(n: int, asked: float) -> None:
        await two_workers[n % 2].acquire_line_async(Line.DELIVERY, 1000 + n, (asked, 0))
        left.append((n, time.monotonic()))

    now = time.time()
    await asyncio.gather(*(send(n, now + i) for i, n in enumerate(order)))
    assert [n for n, _ in left] == order
    moments = [at for _, at in left]
    assert all(
        sum(1 for later in moments if at <= later < at + 1) <= GLOBAL_CEILING for at in moments
    )
    assert moments[-1] - moments[0] >= (len(moments) - GLOBAL_BURST) / GLOBAL_RATE - 0.05
    for limiter in two_workers:
        await limiter.aclose()
