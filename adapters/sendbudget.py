"""How fast we may talk to Telegram: one budget per bot, shared by every process.

Telegram allows a bot about 30 messages a second overall and about one a second per chat
(short bursts are tolerated). Every outgoing message (bot replies, placeholders, worker
deliveries) first reserves a moment to be sent, under both budgets, with the generic cell
rate algorithm (GCRA): Redis keeps, per key, the theoretical arrival time of the next
message; a reservation moves it forward by one interval and tells the caller how long to
wait. Reservations never poll and are fair in arrival order. A chat's slot is booked before
the bot-wide one, which is booked only once the chat's wait is over (see ``Reservation``).
Redis's own clock is used, so processes on different machines agree.

A booking is a promise about when a message may go, not about when it does: a sender the
machine wakes late goes late, into the seconds of the messages booked after it, and on a
busy machine those bunched up at the receiving end above what the bookings allowed. So a
message is also counted against a ceiling (``GLOBAL_CEILING`` in any second) from the
moment it is about to leave until a second after Telegram's answer is back (``sending_async``
and the other ``sending`` forms): Redis keeps those messages bot-wide, the ones in flight
included, and one that would make more of them waits. Whatever pauses the machine puts
between counting a message and writing it, it reaches Telegram while it is counted, so no
second at Telegram's end can hold more than the ceiling (of the messages arriving in one
second, the last one counted found all the others counted still). On time, the bookings
never come near it; it holds the ceiling when the machine is late. A message booked to go
at once is counted in its booking's own round trip.

Frames (the workout shown while the AI writes it) are the lowest priority: ``try_reserve``
books a slot only when nothing would wait, neither the chat (its last message is a second
old) nor the bot (its budget is idle, no burst in use); otherwise it books nothing and the
frame is dropped, never queued ahead of a real message (nor at the ceiling).

Between the replies and the frames are two lines (``Line``, ``acquire_line_async``): the
worker's deliveries, then the scheduler's reminders and reviews. A message of a line books
only when no reply wants the slot (at most one slot ahead of now) and nobody waits in the
line above; the messages waiting in one line, in every process, form one queue in Redis
(deliveries by when they asked, reminders by due time), whose first alone may book. The
bot's replies come first because under a burst they are what gets the work going: a
Generate tap's "writing…" edit is what queues its AI call.

Without Redis (the embedded default) the same algorithm runs in-process, and so it does
while Redis cannot be reached: a Redis outage must not silence the bot (replies, /history,
/profile keep going out, each process under its own copy of the budget); the next
reservation after Redis is back goes through Redis again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

import redis
import redis.asyncio

__all__ = [
    "BULK_LOOKAHEAD",
    "BULK_PLACE_TTL",
    "CEILING_WINDOW",
    "GLOBAL_BURST",
    "GLOBAL_CEILING",
    "GLOBAL_RATE",
    "PER_CHAT_BURST",
    "PER_CHAT_RATE",
    "SEND_HOLD_S",
    "Line",
    "Reservation",
    "SendLimiter",
    "make_send_limiter",
]

GLOBAL_RATE = 28.0
"""Messages per second for the whole bot, sustained: issue 14's 10,000 reminders in
10,000 / 28 s. It was 25 while nothing counted the moment a message really left (see
GLOBAL_CEILING): with 28 and a burst of 3, a busy 2-core machine put 31 messages into one
second at the receiving end; at 25 and 2, 10,000 reminders still put 29 there. With the
ceiling, 10,000 reminders and replies went out at 28.0 a second, at most 30 arriving in
any second (``python -m bench reminders``, 2 workers, the fake Bot API's stamps)."""
GLOBAL_BURST = 2
"""Messages the bot may send at once when it has been quiet: a lone request's two edits
(placeholder, workout) never wait on each other (a strict 1/28 s spacing adds up to 36 ms
to every request). GCRA's bound with the rate: at most GLOBAL_BURST - 1 + GLOBAL_RATE = 29
booked in any one-second window; a burst of 3 would book 30, over the ceiling, so senders
on time would wait for it."""
GLOBAL_CEILING = 30
"""Messages that may arrive at Telegram in any one second: Telegram's own limit. Each counts
from just before it leaves until a second after its answer (see the module docstring), which
bounds what arrives whatever the machine's pauses. It was 29, counted only at the moment of
leaving, and a busy 2-core machine still put 31 into one second at the fake Bot API (a
garbage collection of the worker's between the count and the write). The cost: a message
holds its place for its round trip on top of the second, so the ceiling allows
30 / (1 s + round trip) a second: 29.7 at 10 ms (the fake, busy), 27.3 at 100 ms (Telegram
from far away), when the bookings ask for 28 (GLOBAL_RATE)."""
CEILING_WINDOW = 1.0
"""The ceiling's window, in seconds."""
SEND_HOLD_S = 30.0
"""How long a message may count as in flight at most: longer than any send's own timeouts.
One whose sender died before its answer frees its place this long (plus the window) after
it was counted."""
PER_CHAT_RATE = 1.0
"""Messages per second per chat, sustained."""
POOL_SIZE = 32
"""Redis connections per process for booking; a booking takes well under a millisecond."""
POOL_TIMEOUT = 10.0
"""Seconds a sender waits for a free connection before it gives up."""
PER_CHAT_BURST = 3
"""Messages a chat may receive at once before the per-chat pace applies (reply + edit + part)."""

log = logging.getLogger(__name__)

_CLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function stamp(key, cap, window, token, hold)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= cap then
    local oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
    if oldest > now then return window end
    return oldest + window - now
  end
  redis.call('ZADD', key, now + hold, token)
  redis.call('PEXPIRE', key, math.ceil((window + hold) * 1000) + 1000)
  return 0
end
local function first_alive(line, alive)
  while true do
    local first = redis.call('ZRANGE', line, 0, 0)[1]
    if not first then return nil end
    if tonumber(redis.call('HGET', alive, first) or '0') >= now then return first end
    redis.call('ZREM', line, first)
    redis.call('HDEL', alive, first)
  end
end
"""
"""Redis's clock; ``stamp``: count a send leaving now against the ceiling, or say how long
until it may (0: counted). The ceiling is a sorted set of the messages counted: each scored
by when its answer came back (it counts until a second after), or, while it is in flight,
by ``now + hold`` (so in flight for as long as ``hold`` at most); when all ``cap`` places are
in flight, none can free within a second. ``first_alive``:
the first of a line (see ``_RESERVE_LINE``) still waiting, dropping those whose sender
stopped asking."""

_STAMP = (
    _CLOCK
    + """
return tostring(stamp(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])))
"""
)
"""KEYS: the ceiling; ARGV: cap, window, the message's token, how long it may be in
flight. Returns the wait (0: counted, send now)."""

_SENT = (
    _CLOCK
    + """
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
"""
)
"""KEYS: the ceiling; ARGV: a message's token. Its answer is back: it counts for one more
second from now (if it is still counted at all)."""

_RESERVE = (
    _CLOCK
    + """
local function book(key, interval, tolerance)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local wait = tat - tolerance - now
  if wait < 0 then wait = 0 end
  local nxt = tat + interval
  redis.call('SET', key, tostring(nxt), 'PX', math.ceil((nxt - now) * 1000) + 1000)
  return wait
end
if #KEYS == 3 then
  local wait = book(KEYS[3], tonumber(ARGV[7]), tonumber(ARGV[8]))
  if wait > 0 then return {tostring(wait), 0, 0} end
end
local wait = book(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
if wait > 0 then return {tostring(wait), 1, 0} end
local held = stamp(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]))
if held > 0 then return {tostring(held), 1, 0} end
return {'0', 1, 1}
"""
)
"""KEYS: the bot-wide budget, the ceiling, the chat's budget (optional); ARGV: the bot-wide
interval and tolerance, the ceiling's cap and window, the message's token and hold (see
``stamp``), the chat's interval and tolerance.
Returns {wait, overall, stamped}: a message booked to go now is counted against the
ceiling at once (stamped 1; or 0, and the wait is the ceiling's), saving a round trip."""

_TRY = (
    _CLOCK
    + """
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > now then return 0 end
end
if first_alive(KEYS[4], KEYS[5]) or first_alive(KEYS[6], KEYS[7]) then return 0 end
if stamp(KEYS[3], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])) > 0 then
  return 0
end
for i = 1, 2 do
  local nxt = now + tonumber(ARGV[i])
  redis.call('SET', KEYS[i], tostring(nxt), 'PX', math.ceil((nxt - now) * 1000) + 1000)
end
return 1
"""
)
"""KEYS: the bot-wide budget, the chat's, the ceiling, then both lines (each its set and its
hash); ARGV: the two intervals, the ceiling's cap and window, the message's token and hold.
1: booked and counted, send
now; 0: nothing booked (the budget or the chat is in use, or a line has someone waiting)."""


_RESERVE_LINE = (
    _CLOCK
    + """
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local chat_interval, chat_tolerance = tonumber(ARGV[3]), tonumber(ARGV[4])
local lookahead, member = tonumber(ARGV[5]), ARGV[6]
local place, ttl = tonumber(ARGV[7]), tonumber(ARGV[8])
local cap, window = tonumber(ARGV[9]), tonumber(ARGV[10])
local token, hold = ARGV[11], tonumber(ARGV[12])
local line, alive = KEYS[3], KEYS[4]
local chat_tat = tonumber(redis.call('GET', KEYS[2]) or '0')
if chat_tat < now then chat_tat = now end
local chat_wait = chat_tat - chat_tolerance - now
if chat_wait > 0 then
  redis.call('ZREM', line, member)
  redis.call('HDEL', alive, member)
  return {tostring(chat_wait), 0, 0}
end
redis.call('ZADD', line, place, member)
redis.call('HSET', alive, member, tostring(now + ttl))
redis.call('PEXPIRE', line, math.ceil(ttl * 1000) + 1000)
redis.call('PEXPIRE', alive, math.ceil(ttl * 1000) + 1000)
if first_alive(line, alive) ~= member then
  local rank = redis.call('ZRANK', line, member)
  return {tostring(math.min(rank * interval, ttl / 4)), 0, 0}
end
if #KEYS == 7 and first_alive(KEYS[6], KEYS[7]) then
  return {tostring(interval), 0, 0}
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local burst = tat - tolerance <= now
if not burst and tat - now > lookahead then return {tostring(tat - now - lookahead), 0, 0} end
local nxt = tat + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil((nxt - now) * 1000) + 1000)
local chat_nxt = chat_tat + chat_interval
redis.call('SET', KEYS[2], tostring(chat_nxt), 'PX', math.ceil((chat_nxt - now) * 1000) + 1000)
redis.call('ZREM', line, member)
redis.call('HDEL', alive, member)
if not burst then return {tostring(tat - now), 1, 0} end
local held = stamp(KEYS[5], cap, window, token, hold)
return {tostring(held), 1, held > 0 and 0 or 1}
"""
)
"""A line tier (``reserve_line_async``). KEYS: the bot-wide budget, the chat's, the line (a
sorted set of the messages waiting in it, by place), when each of them stops counting as
waiting, the ceiling, and optionally the line above (its set and its hash), which goes
first; ARGV: the two budgets' intervals and tolerances, the lookahead, this message's member
and place, how long a place is kept without asking again, the ceiling's cap and window, the
message's token and hold. A message whose chat must wait steps out of the line; one behind
another books nothing (it asks again in its rank's slots), nor does the first while the line
above has anyone waiting; the first of the line books when the bot-wide budget has room
within the lookahead, and leaves the line. It goes at once when the budget's burst has room
now, as a reply would (a lone request's delivery right after its "writing…" edit: without
this it waited up to a slot, 36 ms, in the overhead benchmark). Returns {wait, booked,
stamped}: booked 1, send after ``wait`` (stamped 1: already counted against the ceiling,
booked to go now); booked 0, ask again then."""

BULK_LOOKAHEAD = 1.0 / GLOBAL_RATE
"""How far ahead of now a bulk message may book the bot-wide budget: one slot. A bulk
message never queues behind others in the budget, so a reply or a delivery that comes
during a reminder burst waits at most this long for the bulk traffic (it books the next
slot as it always does); bulk messages take only the slots nobody else wants. 36 ms at 28 a
second."""
BULK_PLACE_TTL = 2.0
"""Seconds a message keeps its place in a line without asking again (it asks at least every
quarter of this): a sender that died holds up the others at most this long."""


class Line(StrEnum):
    """The tiers that wait in a line (``acquire_line_async``), each below the replies (which
    book the budget directly, in arrival order) and above the frames."""

    DELIVERY = "delivery"
    """The worker's messages: workouts, failures, rest timers. Below the bot's replies: a
    Generate tap's "writing…" starts its AI call, so under a burst the replies go first
    (the last tap of 1,000 waited behind 500 deliveries for its AI to start)."""
    BULK = "bulk"
    """The scheduler's reminders and reviews: below everything else but frames, in due order
    across processes."""


_ABOVE: dict[Line, Line] = {Line.BULK: Line.DELIVERY}
"""The line that goes first while anyone waits in it."""


@dataclass(frozen=True, slots=True)
class _Budget:
    interval: float
    tolerance: float


_GLOBAL = _Budget(1.0 / GLOBAL_RATE, (GLOBAL_BURST - 1) / GLOBAL_RATE)
_CHAT = _Budget(1.0 / PER_CHAT_RATE, (PER_CHAT_BURST - 1) / PER_CHAT_RATE)


@dataclass(frozen=True, slots=True)
class Reservation:
    """A booked moment: wait ``wait`` seconds, then (if not ``overall``) book the overall slot.

    A chat's slot is booked first. When the chat must wait, the bot-wide slot is booked only
    after that wait (``overall`` False), when the message is really about to go: booking it
    ahead would hold up every other chat behind one busy chat.
    """

    wait: float
    overall: bool
    stamped: bool = False
    """Already counted against the ceiling (booked to go now): send after ``wait`` without
    ``_stamp``."""


def _token() -> str:
    """A message's member in the ceiling."""
    return uuid.uuid4().hex


class SendLimiter:
    """Wait for a moment to send with ``sending_async`` (replies), ``sending_in_line_async``
    (the worker's and the scheduler's lines) or ``try_sending_async`` (frames): each counts
    its message in flight until its block ends (send inside it). ``acquire``,
    ``acquire_async``, ``acquire_line_async`` and ``try_reserve_async`` count the message as
    answered at once (for callers that cannot say when it was); ``reserve`` only books."""

    def __init__(self, redis_url: str | None, *, namespace: str = "flexflow:send") -> None:
        self.namespace = namespace
        self._sync: redis.Redis | None = None
        self._async: redis.asyncio.Redis | None = None
        self._redis_url = redis_url
        self._lock = threading.Lock()
        self._local: dict[str, float] = {}
        self._local_sent: dict[str, float] = {}
        """The in-process ceiling: token -> when its answer came back (or, in flight, when
        it stops counting as in flight), as the Redis one (``stamp``)."""
        self._degraded = False
        """True while Redis is unreachable and the in-process budget serves."""
        self._local_lines: dict[Line, dict[str, tuple[float, float]]] = {line: {} for line in Line}
        self._answering: set[asyncio.Task[None]] = set()
        """Messages being marked answered in Redis (``_answered``)."""
        """The in-process lines: member -> (place, until when it counts as waiting)."""
        if redis_url:
            # Blocking pools: a burst of senders (500 taps at once) waits for a connection
            # instead of failing with "Too many connections" at redis-py's default cap.
            pool = redis.BlockingConnectionPool.from_url(
                redis_url, max_connections=POOL_SIZE, timeout=POOL_TIMEOUT
            )
            self._sync = redis.Redis.from_pool(pool)
            self._script = self._sync.register_script(_RESERVE)
            self._stamp_script = self._sync.register_script(_STAMP)

    @property
    def _all_key(self) -> str:
        return f"{self.namespace}:all"

    def _line_keys(self, line: Line) -> list[str]:
        """A line's sorted set (by place) and its hash (until when each counts as waiting)."""
        key = f"{self.namespace}:{line.value}"
        return [key, f"{key}:alive"]

    @property
    def _sent_key(self) -> str:
        return f"{self.namespace}:ceiling"

    def _chat_key(self, chat_id: int) -> str:
        return f"{self.namespace}:chat:{chat_id}"

    def _keys(
        self, chat_id: int | None, token: str, hold: float
    ) -> tuple[list[str], list[float | str]]:
        """_RESERVE's keys and arguments."""
        keys = [self._all_key, self._sent_key]
        args: list[float | str] = [_GLOBAL.interval, _GLOBAL.tolerance, GLOBAL_CEILING]
        args += [CEILING_WINDOW, token, hold]
        if chat_id is not None:
            keys.append(self._chat_key(chat_id))
            args += [_CHAT.interval, _CHAT.tolerance]
        return keys, args

    # In-process: the same algorithms, for the embedded default and a Redis outage.

    def _book_local(self, key: str, budget: _Budget, now: float) -> float:
        tat = max(self._local.get(key, 0.0), now)
        self._local[key] = tat + budget.interval
        return max(0.0, tat - budget.tolerance - now)

    def _stamp_local_locked(self, now: float, token: str, hold: float) -> float:
        sent = self._local_sent
        for gone in [t for t, until in sent.items() if until <= now - CEILING_WINDOW]:
            del sent[gone]
        if len(sent) >= GLOBAL_CEILING:
            oldest = min(sent.values())
            return CEILING_WINDOW if oldest > now else oldest + CEILING_WINDOW - now
        sent[token] = now + hold
        return 0.0

    def _stamp_local(self, token: str, hold: float) -> float:
        with self._lock:
            return self._stamp_local_locked(time.monotonic(), token, hold)

    def _sent_local(self, token: str) -> bool:
        """Mark an in-process counted message answered; False if it is not counted here."""
        with self._lock:
            if token not in self._local_sent:
                return False
            self._local_sent[token] = time.monotonic()
            return True

    def _reserve_local(self, chat_id: int | None, token: str, hold: float) -> Reservation:
        now = time.monotonic()
        with self._lock:
            if chat_id is not None:
                wait = self._book_local(self._chat_key(chat_id), _CHAT, now)
                if wait > 0:
                    return Reservation(wait, overall=False)
            wait = self._book_local(self._all_key, _GLOBAL, now)
            if wait > 0:
                return Reservation(wait, overall=True)
            held = self._stamp_local_locked(now, token, hold)
            return Reservation(held, overall=True, stamped=held == 0)

    def _try_local(self, chat_id: int, token: str, hold: float) -> bool:
        now = time.monotonic()
        keys = [(self._all_key, _GLOBAL), (self._chat_key(chat_id), _CHAT)]
        with self._lock:
            if any(self._local.get(key, 0.0) > now for key, _ in keys):
                return False
            if any(self._first_alive_local(line, now) for line in Line):
                return False
            if self._stamp_local_locked(now, token, hold) > 0:
                return False
            for key, budget in keys:
                self._local[key] = now + budget.interval
        return True

    def _first_alive_local(self, line: Line, now: float) -> str | None:
        """``first_alive`` in-process (the caller holds the lock)."""
        waiting = self._local_lines[line]
        for gone in [m for m, (_, until) in waiting.items() if until < now]:
            del waiting[gone]
        return min(waiting, key=lambda m: (waiting[m][0], m)) if waiting else None

    def _reserve_line_local(
        self, line: Line, chat_id: int, member: str, place: float, hold: float
    ) -> tuple[float, bool, bool]:
        now = time.monotonic()
        waiting = self._local_lines[line]
        with self._lock:
            chat_key, all_key = self._chat_key(chat_id), self._all_key
            chat_tat = max(self._local.get(chat_key, 0.0), now)
            if chat_tat - _CHAT.tolerance - now > 0:
                waiting.pop(member, None)
                return chat_tat - _CHAT.tolerance - now, False, False
            waiting[member] = (place, now + BULK_PLACE_TTL)
            if self._first_alive_local(line, now) != member:
                rank = sorted((p, m) for m, (p, _) in waiting.items()).index((place, member))
                return min(rank * _GLOBAL.interval, BULK_PLACE_TTL / 4), False, False
            above = _ABOVE.get(line)
            if above is not None and self._first_alive_local(above, now):
                return _GLOBAL.interval, False, False
            tat = max(self._local.get(all_key, 0.0), now)
            burst = tat - _GLOBAL.tolerance <= now
            if not burst and tat - now > BULK_LOOKAHEAD:
                return tat - now - BULK_LOOKAHEAD, False, False
            self._local[all_key] = tat + _GLOBAL.interval
            self._local[chat_key] = chat_tat + _CHAT.interval
            del waiting[member]
            if not burst:
                return tat - now, True, False
            held = self._stamp_local_locked(now, member, hold)
            return held, True, held == 0

    def _down(self, exc: redis.RedisError) -> None:
        """Redis failed: the caller books in-process instead (logged once per outage)."""
        if not self._degraded:
            self._degraded = True
            log.warning("send budget: Redis unreachable (%s); using this process's own", exc)

    def _redis_up(self) -> None:
        if self._degraded:
            self._degraded = False
            log.warning("send budget: Redis is back; sharing the budget again")

    @staticmethod
    def _reservation(result: list[bytes | str | int]) -> Reservation:
        wait, overall, stamped = result
        return Reservation(
            max(0.0, float(wait)), overall=int(overall) == 1, stamped=int(stamped) == 1
        )

    # Through Redis.

    def reserve(
        self, chat_id: int | None, token: str | None = None, hold: float = 0.0
    ) -> Reservation:
        """Book the next send for ``chat_id`` (None: not a chat message); booked to go now,
        it is counted against the ceiling as ``token``, in flight for ``hold`` at most (0:
        answered at once)."""
        token = token or _token()
        if self._sync is None:
            return self._reserve_local(chat_id, token, hold)
        keys, args = self._keys(chat_id, token, hold)
        try:
            booked = self._reservation(self._script(keys=keys, args=args))
        except redis.RedisError as exc:
            self._down(exc)
            return self._reserve_local(chat_id, token, hold)
        self._redis_up()
        return booked

    def _stamp(self, token: str | None = None, hold: float = 0.0) -> float:
        """Count a send leaving now against the ceiling, as ``token``, in flight for ``hold``
        at most (0: answered at once); 0 when counted, else how long to wait before asking
        again."""
        token = token or _token()
        if self._sync is None:
            return self._stamp_local(token, hold)
        try:
            args = (GLOBAL_CEILING, CEILING_WINDOW, token, hold)
            wait = float(self._stamp_script(keys=[self._sent_key], args=args))
        except redis.RedisError as exc:
            self._down(exc)
            return self._stamp_local(token, hold)
        self._redis_up()
        return max(0.0, wait)

    def _async_client(self) -> redis.asyncio.Redis:
        """The event loop's Redis client, made on first use (one pool for every tier)."""
        assert self._redis_url is not None  # callers book in-process without Redis
        if self._async is None:
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self._redis_url, max_connections=POOL_SIZE, timeout=POOL_TIMEOUT
            )
            self._async = redis.asyncio.Redis.from_pool(pool)
        return self._async

    async def reserve_async(
        self, chat_id: int | None, token: str | None = None, hold: float = 0.0
    ) -> Reservation:
        """``reserve`` without blocking the event loop."""
        token = token or _token()
        if self._redis_url is None:
            return self._reserve_local(chat_id, token, hold)
        keys, args = self._keys(chat_id, token, hold)
        try:
            result = await self._async_client().eval(_RESERVE, len(keys), *keys, *args)
        except redis.RedisError as exc:
            self._down(exc)
            return self._reserve_local(chat_id, token, hold)
        self._redis_up()
        return self._reservation(result)

    async def _stamp_async(self, token: str, hold: float) -> float:
        """``_stamp`` without blocking the event loop."""
        if self._redis_url is None:
            return self._stamp_local(token, hold)
        try:
            args = (GLOBAL_CEILING, CEILING_WINDOW, token, hold)
            wait = await self._async_client().eval(_STAMP, 1, self._sent_key, *args)
        except redis.RedisError as exc:
            self._down(exc)
            return self._stamp_local(token, hold)
        self._redis_up()
        return max(0.0, float(wait))

    async def _sent_async(self, token: str) -> None:
        """The message counted as ``token`` has its answer: it counts one second more."""
        if not self._sent_local(token) and self._redis_url is not None:
            await self._sent_in_redis(token)

    async def _sent_in_redis(self, token: str) -> None:
        try:
            await self._async_client().eval(_SENT, 1, self._sent_key, token)
        except redis.RedisError as exc:  # it stops counting as in flight after its hold
            self._down(exc)

    def _answered(self, token: str) -> None:
        """``_sent_async`` without waiting for it: the sender's next step (a Generate's
        enqueue after its "writing…" edit) need not wait for a Redis round trip, and a
        message marked answered a little later only counts a little longer, never less."""
        if self._sent_local(token) or self._redis_url is None:
            return
        task = asyncio.get_running_loop().create_task(self._sent_in_redis(token))
        self._answering.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._answering.discard)

    async def _leave_async(self, token: str, hold: float) -> None:
        """Wait until the message may leave under the ceiling, and count it leaving."""
        while True:
            held = await self._stamp_async(token, hold)
            if held <= 0:
                return
            await asyncio.sleep(held)

    async def _try_async(self, chat_id: int, token: str, hold: float) -> bool:
        if self._redis_url is None:
            return self._try_local(chat_id, token, hold)
        keys = [self._all_key, self._chat_key(chat_id), self._sent_key]
        keys += [key for line in Line for key in self._line_keys(line)]
        args: list[float | str] = [_GLOBAL.interval, _CHAT.interval, GLOBAL_CEILING]
        args += [CEILING_WINDOW, token, hold]
        try:
            booked = await self._async_client().eval(_TRY, len(keys), *keys, *args)
        except redis.RedisError as exc:
            self._down(exc)  # and book in-process, without taking a real message's slot
            return self._try_local(chat_id, token, hold)
        self._redis_up()
        return int(booked) == 1

    @contextlib.asynccontextmanager
    async def try_sending_async(self, chat_id: int) -> AsyncIterator[bool]:
        """Book a send to ``chat_id`` only if it would not wait and the bot is idle: True
        when booked (send it in the block, which it is counted in flight for), False when
        nothing was booked (drop the message). For frames, the lowest priority: see the
        module docstring."""
        token = _token()
        booked = await self._try_async(chat_id, token, SEND_HOLD_S)
        try:
            yield booked
        finally:
            if booked:
                self._answered(token)

    async def try_reserve_async(self, chat_id: int) -> bool:
        """``try_sending_async``, the message counted as answered at once."""
        return await self._try_async(chat_id, _token(), 0.0)

    def acquire(self, chat_id: int | None) -> None:
        """Block the calling thread until one more message may go to ``chat_id`` (counted
        as answered at once)."""
        token = _token()
        booked = self.reserve(chat_id, token)
        if not booked.overall:
            time.sleep(booked.wait)
            booked = self.reserve(None, token)
        time.sleep(booked.wait)
        if not booked.stamped:
            while (held := self._stamp(token)) > 0:  # the ceiling: see the module docstring
                time.sleep(held)

    async def _acquire_async(self, chat_id: int | None, token: str, hold: float) -> None:
        booked = await self.reserve_async(chat_id, token, hold)
        if not booked.overall:
            await asyncio.sleep(booked.wait)
            booked = await self.reserve_async(None, token, hold)
        if booked.wait > 0:
            await asyncio.sleep(booked.wait)
        if not booked.stamped:
            await self._leave_async(token, hold)

    @contextlib.asynccontextmanager
    async def sending_async(self, chat_id: int | None) -> AsyncIterator[None]:
        """Wait until one more message may go to ``chat_id`` (None: not a chat message),
        then send it in the block: it counts against the ceiling as in flight until the
        block ends (its answer is back), and one second more."""
        token = _token()
        await self._acquire_async(chat_id, token, SEND_HOLD_S)
        try:
            yield
        finally:
            self._answered(token)

    async def acquire_async(self, chat_id: int | None) -> None:
        """``sending_async``, the message counted as answered at once."""
        await self._acquire_async(chat_id, _token(), 0.0)

    # The lines (deliveries, then the scheduler's bulk): below the replies. Added beside the
    # replies' booking rather than as a priority argument to it, so that booking (and its
    # fairness in arrival order) is exactly what it was.

    async def reserve_line_async(
        self, line: Line, chat_id: int, member: str, place: float, hold: float = 0.0
    ) -> tuple[float, bool, bool]:
        """Try to book message ``member`` to ``chat_id``, at ``place`` in ``line`` (lower
        first; ties by ``member``): (wait, True, stamped) booked, send after ``wait``
        (stamped: counted against the ceiling already, as ``member``, in flight for ``hold``
        at most); (wait, False, False) nothing booked, ask again after ``wait``."""
        if self._redis_url is None:
            return self._reserve_line_local(line, chat_id, member, place, hold)
        keys = [self._all_key, self._chat_key(chat_id), *self._line_keys(line), self._sent_key]
        if (above := _ABOVE.get(line)) is not None:
            keys += self._line_keys(above)
        args: list[float | str] = [_GLOBAL.interval, _GLOBAL.tolerance, _CHAT.interval]
        args += [_CHAT.tolerance, BULK_LOOKAHEAD, member, place, BULK_PLACE_TTL]
        args += [GLOBAL_CEILING, CEILING_WINDOW, member, hold]
        try:
            result = await self._async_client().eval(_RESERVE_LINE, len(keys), *keys, *args)
        except redis.RedisError as exc:
            self._down(exc)
            return self._reserve_line_local(line, chat_id, member, place, hold)
        self._redis_up()
        wait, booked, stamped = result
        return max(0.0, float(wait)), int(booked) == 1, int(stamped) == 1

    async def reserve_bulk_async(
        self, chat_id: int, member: str, place: float
    ) -> tuple[float, bool]:
        """``reserve_line_async`` in the bulk line: (wait, booked)."""
        wait, booked, _ = await self.reserve_line_async(Line.BULK, chat_id, member, place)
        return wait, booked

    async def _acquire_line_async(
        self, line: Line, chat_id: int, due: tuple[float, int] | None, hold: float
    ) -> str:
        """Wait until a message of ``line`` may go to ``chat_id``: only when no reply wants
        the slot (see ``BULK_LOOKAHEAD``), nobody waits in the line above, and no message of
        the line placed before it waits. Returns its token in the ceiling.

        ``due`` is its place: (when it was due, in seconds since the epoch; its row id, for
        the ties of one 07:00); without one, when it asked. The line is shared by every
        process (in Redis), so reminders held by two workers' threads still leave in due
        order: with each process booking its own in the order they asked, two workers'
        threads interleaved them (27% of 10,000 arrived before one due earlier).
        """
        when, row = due if due is not None else (time.time(), 0)
        member = f"{row:020d}:{uuid.uuid4().hex}"  # ties of one moment go by row id
        while True:
            wait, booked, stamped = await self.reserve_line_async(line, chat_id, member, when, hold)
            if booked:
                break
            await asyncio.sleep(max(wait, 0.001))
        if wait > 0:
            await asyncio.sleep(wait)
        if not stamped:
            await self._leave_async(member, hold)
        return member

    @contextlib.asynccontextmanager
    async def sending_in_line_async(
        self, line: Line, chat_id: int, due: tuple[float, int] | None = None
    ) -> AsyncIterator[None]:
        """``sending_async`` for a message of ``line`` (see ``_acquire_line_async``)."""
        token = await self._acquire_line_async(line, chat_id, due, SEND_HOLD_S)
        try:
            yield
        finally:
            self._answered(token)

    async def acquire_line_async(
        self, line: Line, chat_id: int, due: tuple[float, int] | None = None
    ) -> None:
        """``sending_in_line_async``, the message counted as answered at once."""
        await self._acquire_line_async(line, chat_id, due, 0.0)

    async def acquire_bulk_async(self, chat_id: int, due: tuple[float, int] | None = None) -> None:
        """``acquire_line_async`` in the bulk line (the scheduler's reminders and reviews)."""
        await self.acquire_line_async(Line.BULK, chat_id, due)

    async def aclose(self) -> None:
        if self._answering:
            await asyncio.gather(*self._answering, return_exceptions=True)
        if self._async is not None:
            await self._async.aclose()
            self._async = None

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()


def make_send_limiter(redis_url: str | None) -> SendLimiter:
    """The bot-wide send limiter: through Redis when there is one, in-process otherwise."""
    return SendLimiter(redis_url)
