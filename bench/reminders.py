"""The 10,000-reminder morning: every reminder due at 07:00 through the send budget's bulk
tier (adapters/sendbudget.py, on Redis), while replies keep coming.

``WORKERS`` senders (a worker's threads) take reminders in due order from one queue (the
order the scheduler enqueues them) and each books its bulk slot, then "sends" (the time is
recorded: Telegram's side is not what is measured). Meanwhile a chat's replies come at
``REPLIES_PER_S`` through the ordinary tier, and their waits are measured: interactive
traffic must not queue behind the burst.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from dataclasses import dataclass

import redis

from adapters.sendbudget import SendLimiter
from tests.fakes.bot_api import max_in_window

__all__ = ["Morning", "run"]

REDIS_URL = os.environ.get("FLEXFLOW_BENCH_REDIS", "redis://127.0.0.1:6379/15")
WORKERS = 16
REPLIES_PER_S = 5.0


@dataclass(frozen=True, slots=True)
class Morning:
    """What the morning measured."""

    reminders: int
    makespan_s: float
    max_per_second: int
    """Most reminders and replies sent in any one-second window."""
    out_of_order: int
    """Reminders sent before one that was due earlier (and queued ahead of it)."""
    max_displacement: int
    """The furthest a reminder was sent from its place in due order."""
    reply_wait_p50_ms: float
    reply_wait_max_ms: float
    replies: int


async def _morning(count: int) -> Morning:
    redis.Redis.from_url(REDIS_URL).flushdb()
    limiter = SendLimiter(REDIS_URL, namespace="bench:send")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    sent: list[tuple[float, int]] = []
    waits: list[float] = []
    done = asyncio.Event()

    async def worker() -> None:
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await limiter.acquire_bulk_async(1_000_000 + n)
            sent.append((time.monotonic(), n))

    async def replies() -> None:
        chat = 0
        while not done.is_set():
            chat += 1  # replies in many chats: one chat's own pace (1 a second) is not this
            asked = time.monotonic()
            await limiter.acquire_async(chat)
            waits.append(time.monotonic() - asked)
            sent.append((time.monotonic(), -1))
            await asyncio.sleep(1.0 / REPLIES_PER_S)

    started = time.monotonic()
    talker = asyncio.create_task(replies())
    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    makespan = time.monotonic() - started
    done.set()
    await talker
    await limiter.aclose()
    limiter.close()
    order = [n for _, n in sorted(sent) if n >= 0]
    out_of_order = sum(1 for a, b in itertools.pairwise(order) if b < a)
    displacement = max(abs(i - n) for i, n in enumerate(order))
    waits.sort()
    return Morning(
        reminders=count,
        makespan_s=makespan,
        max_per_second=max_in_window([t for t, _ in sent]),
        out_of_order=out_of_order,
        max_displacement=displacement,
        reply_wait_p50_ms=waits[len(waits) // 2] * 1000,
        reply_wait_max_ms=waits[-1] * 1000,
        replies=len(waits),
    )


def run(count: int = 10_000) -> Morning:
    """The morning of ``count`` reminders."""
    return asyncio.run(_morning(count))
