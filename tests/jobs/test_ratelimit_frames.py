"""Frames in the shared send budget (adapters.sendbudget.try_reserve_async): booked only when
nothing would wait, dropped (nothing booked) otherwise; on a real Redis and in-process."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.sendbudget import (
    GLOBAL_BURST,
    GLOBAL_CEILING,
    GLOBAL_RATE,
    PER_CHAT_RATE,
    SendLimiter,
)


async def test_a_frame_goes_only_when_the_chat_has_been_quiet_for_a_second(
    limiter: SendLimiter,
) -> None:
    assert await limiter.try_reserve_async(5)  # a quiet chat and bot: the frame goes
    assert not await limiter.try_reserve_async(5)  # at most one a second
    await asyncio.sleep(1.0 / GLOBAL_RATE + 0.01)
    assert not await limiter.try_reserve_async(5)
    assert await limiter.try_reserve_async(6)  # another chat is not held up
    await asyncio.sleep(1.0 / PER_CHAT_RATE + 0.05)
    assert await limiter.try_reserve_async(5)
    await limiter.aclose()


async def test_a_frame_never_takes_a_real_message_s_turn(limiter: SendLimiter) -> None:
    """After a real message the frame is dropped; a real message after a frame does not
    wait (the chat's burst covers it) and a dropped frame booked nothing."""
    booked = limiter.reserve(8)
    assert booked.overall and booked.wait == 0
    assert not await limiter.try_reserve_async(9)  # the bot's budget is in use: dropped
    await asyncio.sleep(1.0 / GLOBAL_RATE + 0.01)
    assert await limiter.try_reserve_async(9)
    real = limiter.reserve(9)  # the workout right after a frame
    assert real.overall and real.wait == 0
    await limiter.aclose()


async def test_a_busy_bot_drops_every_frame_and_they_cost_the_senders_nothing(
    limiter: SendLimiter,
) -> None:
    start = time.monotonic()
    waits = []
    shown = 0
    for chat in range(60):  # real messages at full rate, a frame tried between each
        booked = limiter.reserve(None)
        waits.append(time.monotonic() - start + booked.wait)
        shown += await limiter.try_reserve_async(1000 + chat)
    assert shown == 0
    # The real messages' schedule is the budget's own: GLOBAL_RATE a second after the burst.
    assert waits[-1] == pytest.approx((60 - GLOBAL_BURST) / GLOBAL_RATE, abs=0.2)
    await limiter.aclose()


async def test_a_frame_is_dropped_while_the_ceiling_is_full(limiter: SendLimiter) -> None:
    """Late real messages filled the last second: a frame would be one too many."""
    for _ in range(GLOBAL_CEILING):
        assert limiter._stamp() == 0
    assert not await limiter.try_reserve_async(11)
    await limiter.aclose()
