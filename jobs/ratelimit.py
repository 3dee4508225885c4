"""How fast we may talk to Telegram: one budget per bot, shared by every process.

Telegram allows a bot about 30 messages a second overall and about one a second per chat
(short bursts are tolerated). Every outgoing message (bot replies, placeholders, worker
deliveries) first reserves a moment to be sent, under both budgets, with the generic cell
rate algorithm (GCRA): Redis keeps, per key, the theoretical arrival time of the next
message; a reservation moves it forward by one interval and tells the caller how long to
wait. Reservations never poll and are fair in arrival order. Redis's own clock is used, so
processes on different machines agree.

Without Redis (the embedded default) the same algorithm runs in-process.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

import redis
import redis.asyncio

__all__ = ["GLOBAL_RATE", "PER_CHAT_BURST", "PER_CHAT_RATE", "SendLimiter", "make_send_limiter"]

GLOBAL_RATE = 28.0
"""Messages per second for the whole bot: under Telegram's ~30 so no 1-second window has 30."""
PER_CHAT_RATE = 1.0
"""Messages per second per chat, sustained."""
PER_CHAT_BURST = 3
"""Messages a chat may receive at once before the per-chat pace applies (reply + edit + part)."""

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local w = tat - tolerance - now
  if w > wait then wait = w end
end
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tat = tonumber(redis.call('GET', key) or '0')
  local start = now + wait
  if tat < start then tat = start end
  local nxt = tat + interval
  redis.call('SET', key, tostring(nxt), 'PX', math.ceil((nxt - now) * 1000) + 1000)
end
return tostring(wait)
"""


@dataclass(frozen=True, slots=True)
class _Budget:
    interval: float
    tolerance: float


_GLOBAL = _Budget(1.0 / GLOBAL_RATE, 0.0)
_CHAT = _Budget(1.0 / PER_CHAT_RATE, (PER_CHAT_BURST - 1) / PER_CHAT_RATE)


class SendLimiter:
    """Reserve a send slot, then wait the returned delay: ``acquire`` or ``acquire_async``."""

    def __init__(self, redis_url: str | None, *, namespace: str = "flexflow:send") -> None:
        self.namespace = namespace
        self._sync: redis.Redis | None = None
        self._async: redis.asyncio.Redis | None = None
        self._redis_url = redis_url
        self._lock = threading.Lock()
        self._local: dict[str, float] = {}
        if redis_url:
            self._sync = redis.Redis.from_url(redis_url)
            self._script = self._sync.register_script(_RESERVE)

    def _keys(self, chat_id: int | None) -> tuple[list[str], list[float]]:
        budgets = [(f"{self.namespace}:all", _GLOBAL)]
        if chat_id is not None:
            budgets.append((f"{self.namespace}:chat:{chat_id}", _CHAT))
        keys = [k for k, _ in budgets]
        args = [x for _, b in budgets for x in (b.interval, b.tolerance)]
        return keys, args

    def _reserve_local(self, chat_id: int | None) -> float:
        keys, args = self._keys(chat_id)
        now = time.monotonic()
        with self._lock:
            wait = 0.0
            for i, key in enumerate(keys):
                tat = max(self._local.get(key, 0.0), now)
                wait = max(wait, tat - args[2 * i + 1] - now)
            for i, key in enumerate(keys):
                tat = max(self._local.get(key, 0.0), now + wait)
                self._local[key] = tat + args[2 * i]
        return wait

    def reserve(self, chat_id: int | None) -> float:
        """Book the next send for ``chat_id`` (None: not a chat message); seconds to wait."""
        if self._sync is None:
            return self._reserve_local(chat_id)
        keys, args = self._keys(chat_id)
        return max(0.0, float(self._script(keys=keys, args=args)))

    async def reserve_async(self, chat_id: int | None) -> float:
        """``reserve`` without blocking the event loop."""
        if self._redis_url is None:
            return self._reserve_local(chat_id)
        if self._async is None:
            self._async = redis.asyncio.Redis.from_url(self._redis_url)
        keys, args = self._keys(chat_id)
        result = await self._async.eval(_RESERVE, len(keys), *keys, *args)
        return max(0.0, float(result))

    def acquire(self, chat_id: int | None) -> None:
        """Block the calling thread until one more message may go to ``chat_id``."""
        wait = self.reserve(chat_id)
        if wait > 0:
            time.sleep(wait)

    async def acquire_async(self, chat_id: int | None) -> None:
        """Wait (asynchronously) until one more message may go to ``chat_id``."""
        wait = await self.reserve_async(chat_id)
        if wait > 0:
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
            self._async = None

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()


def make_send_limiter(redis_url: str | None) -> SendLimiter:
    """The bot-wide send limiter: through Redis when there is one, in-process otherwise."""
    return SendLimiter(redis_url)
