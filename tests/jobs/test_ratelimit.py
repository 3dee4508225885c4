"""The shared send budget (adapters.sendbudget) on a real Redis and in-process.

No sleeping: each reservation says how long its sender must wait, so the schedule of sends
is known at once and checked against Telegram's limits.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from adapters.sendbudget import (
    CEILING_WINDOW,
    GLOBAL_BURST,
    GLOBAL_CEILING,
    GLOBAL_RATE,
    PER_CHAT_BURST,
    PER_CHAT_RATE,
    SEND_HOLD_S,
    SendLimiter,
)
from tests.fakes.bot_api import max_in_window


def overall_schedule(limiter: SendLimiter, count: int) -> list[float]:
    """When each of ``count`` bot-wide sends may go, in seconds from the first reservation."""
    start = time.monotonic()
    times = []
    for _ in range(count):
        booked = limiter.reserve(None)
        assert booked.overall
        times.append(time.monotonic() - start + booked.wait)
    return times


def test_a_quiet_bot_sends_a_burst_at_once_then_keeps_the_rate(limiter: SendLimiter) -> None:
    times = overall_schedule(limiter, 200)
    assert all(t < 0.05 for t in times[:GLOBAL_BURST])  # no wait: the burst goes at once
    assert times[GLOBAL_BURST] >= 0.9 / GLOBAL_RATE  # the next one waits its turn
    # GCRA's bound: GLOBAL_BURST - 1 + GLOBAL_RATE in a half-open second; one more here,
    # where the schedule is measured on this side of the Redis round trip
    assert max_in_window(times) <= GLOBAL_BURST + GLOBAL_RATE <= 30
    sustained = (len(times) - GLOBAL_BURST) / (times[-1] - times[GLOBAL_BURST - 1])
    assert sustained == pytest.approx(GLOBAL_RATE, rel=0.05)


def test_one_chat_gets_its_burst_then_one_a_second(limiter: SendLimiter) -> None:
    booked = [limiter.reserve(7) for _ in range(8)]
    assert all(b.overall and b.wait < 0.5 for b in booked[:PER_CHAT_BURST])
    later = booked[PER_CHAT_BURST:]
    assert not any(b.overall for b in later)  # their bot-wide slot is booked when they go
    waits = [b.wait for b in later]
    assert waits == pytest.approx([n / PER_CHAT_RATE for n in range(1, len(later) + 1)], abs=0.05)


def test_a_busy_chat_does_not_hold_up_the_others(limiter: SendLimiter) -> None:
    for _ in range(10):
        limiter.reserve(7)  # chat 7 is booked for the next ~7 s
    booked = limiter.reserve(8)
    assert booked.overall and booked.wait < 0.5  # chat 8 waits only for the overall budget


def test_acquire_waits_for_the_chat_then_for_the_overall_slot(limiter: SendLimiter) -> None:
    for _ in range(PER_CHAT_BURST):
        limiter.acquire(9)
    start = time.monotonic()
    limiter.acquire(9)
    assert time.monotonic() - start >= 0.9 / PER_CHAT_RATE  # it really waited its turn


async def test_a_burst_of_senders_larger_than_the_pool_all_get_their_slot(redis_url: str) -> None:
    """500 taps at once: every booking succeeds (waiting for a connection), none is lost."""
    limiter = SendLimiter(redis_url)
    try:
        booked = await asyncio.gather(*(limiter.reserve_async(chat) for chat in range(500)))
    finally:
        await limiter.aclose()
    assert len(booked) == 500
    waits = sorted(b.wait for b in booked if b.overall)
    assert len(waits) == 500  # a chat's first message never waits for the chat
    assert waits[-1] == pytest.approx((500 - GLOBAL_BURST) / GLOBAL_RATE, abs=0.5)


async def test_with_redis_unreachable_the_budget_is_kept_in_process() -> None:
    """A Redis outage must not stop every send: bookings fall back to this process's budget."""
    down = SendLimiter("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        first = [down.reserve(7) for _ in range(PER_CHAT_BURST + 1)]
        burst = min(GLOBAL_BURST, PER_CHAT_BURST)
        assert [b.wait for b in first[:burst]] == [0.0] * burst
        # the rest of the chat's burst waits only for the bot-wide pace (1/28 s each)...
        assert all(b.wait <= PER_CHAT_BURST / GLOBAL_RATE for b in first[:PER_CHAT_BURST])
        # ...and the next one for the chat's own pace (one a second)
        assert first[-1].wait > 0.5 / PER_CHAT_RATE and not first[-1].overall
        booked = await down.reserve_async(8)
        assert booked.overall and booked.wait < 0.5
    finally:
        await down.aclose()
        down.close()


def test_the_bookings_never_reach_the_ceiling_on_their_own() -> None:
    """The ceiling holds late senders only: on time, the bookings' own bound is under it."""
    assert GLOBAL_BURST - 1 + GLOBAL_RATE <= GLOBAL_CEILING <= 30


def test_a_message_booked_to_go_now_is_counted_at_once(limiter: SendLimiter) -> None:
    """An idle bot's message is booked and counted leaving in one step; one booked for
    later is counted when it leaves (``_stamp``)."""
    now = [limiter.reserve(None) for _ in range(GLOBAL_BURST + 1)]
    assert all(b.stamped and b.wait == 0 for b in now[:GLOBAL_BURST])
    assert not now[-1].stamped and now[-1].wait > 0


def test_late_senders_leave_no_more_than_the_ceiling_in_a_second(limiter: SendLimiter) -> None:
    """Messages whose booked moments passed while their process was held up (they all want
    to leave now) go GLOBAL_CEILING at once; the next waits until the oldest is a second old,
    whatever the bookings say."""
    start = time.monotonic()
    leaving = [limiter._stamp() for _ in range(GLOBAL_CEILING)]
    assert leaving == [0.0] * GLOBAL_CEILING
    asked = time.monotonic() - start
    held = limiter._stamp()  # until the first of them is a second old
    assert CEILING_WINDOW - asked - 0.01 <= held <= CEILING_WINDOW
    asked = time.monotonic() - start
    booked = limiter.reserve(5)  # a reply on an idle budget still waits for the ceiling
    assert booked.overall and not booked.stamped
    assert CEILING_WINDOW - asked - 0.01 <= booked.wait <= CEILING_WINDOW
    assert limiter._stamp() > 0  # and asking again before then counts nothing


async def test_acquire_waits_out_the_ceiling_and_then_counts_its_message(redis_url: str) -> None:
    limiter = SendLimiter(redis_url)
    try:
        for _ in range(GLOBAL_CEILING):
            assert limiter._stamp() == 0
        await limiter.acquire_async(None)  # held until the first of those is a second old
        await asyncio.sleep(0.3)  # and now every one of them is
        # its own departure still counts: one fewer may leave in the rest of its second
        assert [limiter._stamp() for _ in range(GLOBAL_CEILING - 1)] == [0.0] * (GLOBAL_CEILING - 1)
        assert limiter._stamp() > 0
    finally:
        await limiter.aclose()
        limiter.close()


def test_a_quiet_bot_s_message_counts_against_the_ceiling(limiter: SendLimiter) -> None:
    limiter.acquire(None)
    assert [limiter._stamp() for _ in range(GLOBAL_CEILING - 1)] == [0.0] * (GLOBAL_CEILING - 1)
    assert limiter._stamp() > 0


async def test_a_message_in_flight_holds_its_place_until_a_second_after_its_answer(
    limiter: SendLimiter,
) -> None:
    """Counted when it leaves, a message stays counted while its request is on the way
    (however long the machine pauses it) and a second after the answer: a full ceiling of
    messages in flight makes the next wait a whole second, whatever their age."""
    tokens = [f"flight-{n}" for n in range(GLOBAL_CEILING)]
    leaving = [await limiter._stamp_async(token, SEND_HOLD_S) for token in tokens]
    assert leaving == [0.0] * GLOBAL_CEILING
    await asyncio.sleep(1.1)  # a second later, all still in flight: none has freed its place
    assert await limiter._stamp_async("next", 0.0) == pytest.approx(CEILING_WINDOW, abs=0.01)
    await limiter._sent_async(tokens[0])  # its answer is back: its place frees a second on
    answered = time.monotonic()
    held = await limiter._stamp_async("next", 0.0)
    await limiter.aclose()
    assert held == pytest.approx(CEILING_WINDOW - (time.monotonic() - answered), abs=0.02)


async def test_however_late_senders_write_no_second_at_telegram_holds_more_than_the_ceiling(
    limiter: SendLimiter,
) -> None:
    """The first ceiling's worth of senders, counted, are held 0.5 s before their requests
    reach Telegram (a collection, a busy core); the rest go as soon as they are counted,
    each answered up to 50 ms after it arrived: no second at Telegram's end holds more
    than GLOBAL_CEILING. (Counted only as they left, the second batch went a second after
    the first was counted, half a second after it arrived: twice the ceiling in a second.)"""
    rng = random.Random(7)
    arrivals: list[float] = []

    async def sender(n: int) -> None:
        token = f"late-{n}"
        await limiter._leave_async(token, SEND_HOLD_S)  # waits until the ceiling has room
        pause = 0.5 if n < GLOBAL_CEILING else rng.uniform(0.0, 0.1)
        await asyncio.sleep(pause)  # counted; not yet at Telegram
        arrivals.append(time.monotonic())
        await asyncio.sleep(rng.uniform(0.0, 0.05))  # Telegram's answer on its way back
        await limiter._sent_async(token)

    await asyncio.gather(*(sender(n) for n in range(3 * GLOBAL_CEILING)))
    await limiter.aclose()
    assert len(arrivals) == 3 * GLOBAL_CEILING
    assert max_in_window(arrivals) <= GLOBAL_CEILING
