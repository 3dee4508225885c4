"""The send budget's bulk tier (the scheduler's reminders, adapters.sendbudget
``reserve_bulk_async``/``acquire_bulk_async``): below every other message, in due order
across processes; on a real Redis and in-process. That no slot is left unused is measured at the
receiving end by ``python -m bench reminders``.

The schedules are read from the bookings (each says how long its sender waits), not from
the clock, except where a test must let bulk messages really go one after another.
"""

from __future__ import annotations

import asyncio
import random
import time

from adapters.sendbudget import (
    BULK_LOOKAHEAD,
    BULK_PLACE_TTL,
    GLOBAL_BURST,
    GLOBAL_RATE,
    PER_CHAT_BURST,
    SendLimiter,
)

SEVEN = 1_790_000_000.0
"""A 07:00, in seconds since the epoch."""


async def test_a_bulk_message_never_books_ahead_of_waiting_replies(limiter: SendLimiter) -> None:
    """Five replies booked (the budget busy for the next few slots): the bulk message books
    nothing until their slots are within one slot of now."""
    start = time.monotonic()
    replies = [limiter.reserve(100 + n) for n in range(5)]
    last_reply = replies[-1].wait  # its slot, from ``start`` (the bookings take no time)
    asked = time.monotonic() - start
    wait, booked = await limiter.reserve_bulk_async(7, "a", SEVEN)
    assert not booked
    # it may ask again when the replies' last slot is one slot away, not before
    expected = last_reply + (GLOBAL_BURST - 1) / GLOBAL_RATE
    assert expected - asked - 0.01 <= wait <= expected + 0.01
    await limiter.aclose()


async def test_a_reply_during_a_bulk_stream_gets_the_next_slot(limiter: SendLimiter) -> None:
    """Bulk messages book at most one slot ahead, so a reply that comes among them waits at
    most that slot (GLOBAL_BURST 2: not at all), however many bulk messages are waiting."""
    wait, booked = await limiter.reserve_bulk_async(7, "a", SEVEN)
    assert booked and wait == 0
    reply = limiter.reserve(8)
    assert reply.overall and reply.wait <= BULK_LOOKAHEAD
    wait, booked = await limiter.reserve_bulk_async(9, "b", SEVEN)
    assert not booked  # the next bulk message waits for the reply's slot to come
    await limiter.aclose()


async def test_bulk_messages_leave_in_due_order_whoever_holds_them(
    two_workers: list[SendLimiter],
) -> None:
    """Twenty reminders held by two workers, asking in a shuffled order while the budget is
    busy: they leave by due time, then by row id (the ties of one 07:00)."""
    for n in range(6):
        two_workers[0].reserve(100 + n)  # the next few slots are taken: all get in line
    due = {n: (SEVEN + n // 4, 50 - n % 4) for n in range(20)}
    asking = list(due)
    random.Random(3).shuffle(asking)
    left: list[int] = []

    async def send(n: int) -> None:
        await two_workers[n % 2].acquire_bulk_async(1000 + n, due[n])
        left.append(n)

    await asyncio.gather(*(send(n) for n in asking))
    assert left == sorted(due, key=due.__getitem__)
    for limiter in two_workers:
        await limiter.aclose()


async def test_a_sender_that_stopped_asking_gives_up_its_place(limiter: SendLimiter) -> None:
    """A worker died with a reminder in the line: the ones behind it wait at most
    BULK_PLACE_TTL, then go."""
    for n in range(6):
        limiter.reserve(100 + n)
    wait, booked = await limiter.reserve_bulk_async(7, f"{1:020d}:dead", SEVEN)
    assert not booked  # in line, and never asks again
    wait, booked = await limiter.reserve_bulk_async(8, f"{2:020d}:alive", SEVEN)
    assert not booked and 0 < wait <= BULK_PLACE_TTL / 4  # behind it, asking again soon
    await limiter.acquire_bulk_async(8, (SEVEN, 2))  # returns: the dead one's place lapsed
    await limiter.aclose()


async def test_a_bulk_message_to_a_busy_chat_books_nothing(limiter: SendLimiter) -> None:
    """Its chat must wait: neither the chat's budget nor the bot-wide one is booked, so the
    next message anywhere goes as if it had not asked."""
    start = time.monotonic()
    for _ in range(PER_CHAT_BURST + 2):
        limiter.reserve(7)  # chat 7 is booked for the next seconds, the bot for 3 slots
    wait, booked = await limiter.reserve_bulk_async(7, "a", SEVEN)
    assert not booked and wait > 0.5
    asked = time.monotonic() - start
    after = limiter.reserve(None)  # the fourth slot from ``start``, not the fifth
    expected = (PER_CHAT_BURST - GLOBAL_BURST + 1) / GLOBAL_RATE
    assert expected - asked - 0.01 <= after.wait <= expected + 0.01
    await limiter.aclose()
