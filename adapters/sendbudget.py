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
busy machine those bunched up at the receiving end above what the bookings allowed. So the
moment a message really leaves is also counted: Redis keeps the last ``GLOBAL_CEILING``
send moments bot-wide, and a message that would make more of them in one second waits
until the oldest is a second old (``_stamp``). On time, the bookings never come near it;
it holds the ceiling when the machine is late. A message booked to go at once is counted
in its booking's own round trip.

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
import logging
import threading
import time
import uuid
from collections import deque
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
GLOBAL_CEILING = 29
"""Messages that may leave in any one second, counted when they leave (``_stamp``): the
bookings' own bound, so a sender on time never waits for it, and one under Telegram's 30 for
what happens between leaving here and arriving there (an HTTP request on a busy machine).
Measured on 2,000 reminders: 29 here, at most 30 at the fake Bot API; 28 here, 31 there
(that noise is more than one message) and replies held longer (p50 70 ms against 23)."""
CEILING_WINDOW = 1.0
"""The ceiling's window, in seconds."""
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
local function stamp(key, cap, window)
  if redis.call('LLEN', key) >= cap then
    local oldest = tonumber(redis.call('LINDEX', key, cap - 1))
    if oldest + window > now then return oldest + window - now end
  end
  redis.call('LPUSH', key, tostring(now))
  redis.call('LTRIM', key, 0, cap - 1)
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
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
"""Redis's clock; ``stamp``: count a send leaving now against the ceiling (the last ``cap``
send moments, newest first), or say how long until it may (0: counted); ``first_alive``:
the first of a line (see ``_RESERVE_LINE``) still waiting, dropping those whose sender
stopped asking."""

_STAMP = (
    _CLOCK
    + """
return tostring(stamp(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])))
"""
)
"""KEYS: the ceiling's list; ARGV: cap, window. Returns the wait (0: counted, send now)."""

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
  local wait = book(KEYS[3], tonumber(ARGV[5]), tonumber(ARGV[6]))
  if wait > 0 then return {tostring(wait), 0, 0} end
end
local wait = book(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
if wait > 0 then return {tostring(wait), 1, 0} end
local held = stamp(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
if held > 0 then return {tostring(held), 1, 0} end
return {'0', 1, 1}
"""
)
"""KEYS: the bot-wide budget, the ceiling, the chat's budget (optional); ARGV: the bot-wide
interval and tolerance, the ceiling's cap and window, the chat's interval and tolerance.
Returns {wait, overall, stamped}: a message booked to go now is counted against the
ceiling at once (stamped 1; or 0, and the wait is the ceiling's), saving a round trip."""

_TRY = (
    _CLOCK
    + """
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > now then return 0 end
end
if first_alive(KEYS[4], KEYS[5]) or first_alive(KEYS[6], KEYS[7]) then return 0 end
if stamp(KEYS[3], tonumber(ARGV[3]), tonumber(ARGV[4])) > 0 then return 0 end
for i = 1, 2 do
  local nxt = now + tonumber(ARGV[i])
  redis.call('SET', KEYS[i], tostring(nxt), 'PX', math.ceil((nxt - now) * 1000) + 1000)
end
return 1
"""
)
"""KEYS: the bot-wide budget, the chat's, the ceiling, then both lines (each its set and its
hash); ARGV: the two intervals, the ceiling's cap and window. 1: booked and counted, send
now; 0: nothing booked (the budget or the chat is in use, or a line has someone waiting)."""


_RESERVE_LINE = (
    _CLOCK
    + """
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local chat_interval, chat_tolerance = tonumber(ARGV[3]), tonumber(ARGV[4])
local lookahead, member = tonumber(ARGV[5]), ARGV[6]
local place, ttl = tonumber(ARGV[7]), tonumber(ARGV[8])
local cap, window = tonumber(ARGV[9]), tonumber(ARGV[10])
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
local held = stamp(KEYS[5], cap, window)
return {tostring(held), 1, held > 0 and 0 or 1}
"""
)
"""A line tier (``reserve_line_async``). KEYS: the bot-wide budget, the chat's, the line (a
sorted set of the messages waiting in it, by place), when each of them stops counting as
waiting, the ceiling, and optionally the line above (its set and its hash), which goes
first; ARGV: the two budgets' intervals and tolerances, the lookahead, this message's member
and place, how long a place is kept without asking again, the ceiling's cap and window.
A message whose chat must wait steps out of the line; one behind another books nothing (it
asks again in its rank's slots), nor does the first while the line above has anyone
waiting; the first of the line books when the bot-wide budget has room within the
lookahead, and leaves the line. It goes at once when the budget's burst has room now, as a
reply would (a lone request's delivery right after its "writing…" edit: without this it
waited up to a slot, 36 ms, in the overhead benchmark). Returns {wait, booked, stamped}:
booked 1, send after ``wait`` (stamped 1: already counted against the ceiling, booked to go
now); booked 0, ask again then."""

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


class SendLimiter:
    """Book send slots with ``reserve``; ``acquire``/``acquire_async`` book and wait."""

    def __init__(self, redis_url: str | None, *, namespace: str = "flexflow:send") -> None:
        self.namespace = namespace
        self._sync: redis.Redis | None = None
        self._async: redis.asyncio.Redis | None = None
        self._redis_url = redis_url
        self._lock = threading.Lock()
        self._local: dict[str, float] = {}
        self._local_sent: deque[float] = deque(maxlen=GLOBAL_CEILING)
        """The in-process ceiling: the last send moments, oldest first."""
        self._degraded = False
        """True while Redis is unreachable and the in-process budget serves."""
        self._local_lines: dict[Line, dict[str, tuple[float, float]]] = {line: {} for line in Line}
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
        return f"{self.namespace}:sent"

    def _chat_key(self, chat_id: int) -> str:
        return f"{self.namespace}:chat:{chat_id}"

    def _keys(self, chat_id: int | None) -> tuple[list[str], list[float]]:
        """_RESERVE's keys and arguments."""
        keys = [self._all_key, self._sent_key]
        args = [_GLOBAL.interval, _GLOBAL.tolerance, GLOBAL_CEILING, CEILING_WINDOW]
        if chat_id is not None:
            keys.append(self._chat_key(chat_id))
            args += [_CHAT.interval, _CHAT.tolerance]
        return keys, args

    # In-process: the same algorithms, for the embedded default and a Redis outage.

    def _book_local(self, key: str, budget: _Budget, now: float) -> float:
        tat = max(self._local.get(key, 0.0), now)
        self._local[key] = tat + budget.interval
        return max(0.0, tat - budget.tolerance - now)

    def _stamp_local_locked(self, now: float) -> float:
        sent = self._local_sent
        if len(sent) == GLOBAL_CEILING and sent[0] + CEILING_WINDOW > now:
            return sent[0] + CEILING_WINDOW - now
        sent.append(now)
        return 0.0

    def _stamp_local(self) -> float:
        with self._lock:
            return self._stamp_local_locked(time.monotonic())

    def _reserve_local(self, chat_id: int | None) -> Reservation:
        now = time.monotonic()
        with self._lock:
            if chat_id is not None:
                wait = self._book_local(self._chat_key(chat_id), _CHAT, now)
                if wait > 0:
                    return Reservation(wait, overall=False)
            wait = self._book_local(self._all_key, _GLOBAL, now)
            if wait > 0:
                return Reservation(wait, overall=True)
            held = self._stamp_local_locked(now)
            return Reservation(held, overall=True, stamped=held == 0)

    def _try_local(self, chat_id: int) -> bool:
        now = time.monotonic()
        keys = [(self._all_key, _GLOBAL), (self._chat_key(chat_id), _CHAT)]
        with self._lock:
            if any(self._local.get(key, 0.0) > now for key, _ in keys):
                return False
            if any(self._first_alive_local(line, now) for line in Line):
                return False
            if self._stamp_local_locked(now) > 0:
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
        self, line: Line, chat_id: int, member: str, place: float
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
            held = self._stamp_local_locked(now)
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

    def reserve(self, chat_id: int | None) -> Reservation:
        """Book the next send for ``chat_id`` (None: not a chat message)."""
        if self._sync is None:
            return self._reserve_local(chat_id)
        keys, args = self._keys(chat_id)
        try:
            booked = self._reservation(self._script(keys=keys, args=args))
        except redis.RedisError as exc:
            self._down(exc)
            return self._reserve_local(chat_id)
        self._redis_up()
        return booked

    def _stamp(self) -> float:
        """Count a send leaving now against the ceiling; 0 when counted, else how long to
        wait before asking again."""
        if self._sync is None:
            return self._stamp_local()
        try:
            wait = float(self._stamp_script(keys=[self._sent_key], args=self._stamp_args))
        except redis.RedisError as exc:
            self._down(exc)
            return self._stamp_local()
        self._redis_up()
        return max(0.0, wait)

    _stamp_args = (GLOBAL_CEILING, CEILING_WINDOW)

    def _async_client(self) -> redis.asyncio.Redis:
        """The event loop's Redis client, made on first use (one pool for every tier)."""
        assert self._redis_url is not None  # callers book in-process without Redis
        if self._async is None:
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self._redis_url, max_connections=POOL_SIZE, timeout=POOL_TIMEOUT
            )
            self._async = redis.asyncio.Redis.from_pool(pool)
        return self._async

    async def reserve_async(self, chat_id: int | None) -> Reservation:
        """``reserve`` without blocking the event loop."""
        if self._redis_url is None:
            return self._reserve_local(chat_id)
        keys, args = self._keys(chat_id)
        try:
            result = await self._async_client().eval(_RESERVE, len(keys), *keys, *args)
        except redis.RedisError as exc:
            self._down(exc)
            return self._reserve_local(chat_id)
        self._redis_up()
        return self._reservation(result)

    async def _stamp_async(self) -> float:
        """``_stamp`` without blocking the event loop."""
        if self._redis_url is None:
            return self._stamp_local()
        try:
            wait = await self._async_client().eval(_STAMP, 1, self._sent_key, *self._stamp_args)
        except redis.RedisError as exc:
            self._down(exc)
            return self._stamp_local()
        self._redis_up()
        return max(0.0, float(wait))

    async def _leave_async(self) -> None:
        """Wait until the message may leave under the ceiling, and count it leaving."""
        while True:
            held = await self._stamp_async()
            if held <= 0:
                return
            await asyncio.sleep(held)

    async def try_reserve_async(self, chat_id: int) -> bool:
        """Book a send to ``chat_id`` only if it would not wait and the bot is idle; True
        when booked (send now), False when nothing was booked (drop the message). For
        frames, the lowest priority: see the module docstring."""
        if self._redis_url is None:
            return self._try_local(chat_id)
        keys = [self._all_key, self._chat_key(chat_id), self._sent_key]
        keys += [key for line in Line for key in self._line_keys(line)]
        args = [_GLOBAL.interval, _CHAT.interval, GLOBAL_CEILING, CEILING_WINDOW]
        try:
            booked = await self._async_client().eval(_TRY, len(keys), *keys, *args)
        except redis.RedisError as exc:
            self._down(exc)  # and book in-process, without taking a real message's slot
            return self._try_local(chat_id)
        self._redis_up()
        return int(booked) == 1

    def acquire(self, chat_id: int | None) -> None:
        """Block the calling thread until one more message may go to ``chat_id``."""
        booked = self.reserve(chat_id)
        if not booked.overall:
            time.sleep(booked.wait)
            booked = self.reserve(None)
        time.sleep(booked.wait)
        if not booked.stamped:
            while (held := self._stamp()) > 0:  # under the ceiling: see the module docstring
                time.sleep(held)

    async def acquire_async(self, chat_id: int | None) -> None:
        """Wait (asynchronously) until one more message may go to ``chat_id``."""
        booked = await self.reserve_async(chat_id)
        if not booked.overall:
            await asyncio.sleep(booked.wait)
            booked = await self.reserve_async(None)
        if booked.wait > 0:
            await asyncio.sleep(booked.wait)
        if not booked.stamped:
            await self._leave_async()

    # The lines (deliveries, then the scheduler's bulk): below the replies. Added beside the
    # replies' booking rather than as a priority argument to it, so that booking (and its
    # fairness in arrival order) is exactly what it was.

    async def reserve_line_async(
        self, line: Line, chat_id: int, member: str, place: float
    ) -> tuple[float, bool, bool]:
        """Try to book message ``member`` to ``chat_id``, at ``place`` in ``line`` (lower
        first; ties by ``member``): (wait, True, stamped) booked, send after ``wait``
        (stamped: counted against the ceiling already); (wait, False, False) nothing booked,
        ask again after ``wait``."""
        if self._redis_url is None:
            return self._reserve_line_local(line, chat_id, member, place)
        keys = [self._all_key, self._chat_key(chat_id), *self._line_keys(line), self._sent_key]
        if (above := _ABOVE.get(line)) is not None:
            keys += self._line_keys(above)
        args: list[float | str] = [_GLOBAL.interval, _GLOBAL.tolerance, _CHAT.interval]
        args += [_CHAT.tolerance, BULK_LOOKAHEAD, member, place, BULK_PLACE_TTL]
        args += [GLOBAL_CEILING, CEILING_WINDOW]
        try:
            result = await self._async_client().eval(_RESERVE_LINE, len(keys), *keys, *args)
        except redis.RedisError as exc:
            self._down(exc)
            return self._reserve_line_local(line, chat_id, member, place)
        self._redis_up()
        wait, booked, stamped = result
        return max(0.0, float(wait)), int(booked) == 1, int(stamped) == 1

    async def reserve_bulk_async(
        self, chat_id: int, member: str, place: float
    ) -> tuple[float, bool]:
        """``reserve_line_async`` in the bulk line: (wait, booked)."""
        wait, booked, _ = await self.reserve_line_async(Line.BULK, chat_id, member, place)
        return wait, booked

    async def acquire_line_async(
        self, line: Line, chat_id: int, due: tuple[float, int] | None = None
    ) -> None:
        """Wait until a message of ``line`` may go to ``chat_id``: only when no reply wants
        the slot (see ``BULK_LOOKAHEAD``), nobody waits in the line above, and no message of
        the line placed before it waits.

        ``due`` is its place: (when it was due, in seconds since the epoch; its row id, for
        the ties of one 07:00); without one, when it asked. The line is shared by every
        process (in Redis), so reminders held by two workers' threads still leave in due
        order: with each process booking its own in the order they asked, two workers'
        threads interleaved them (27% of 10,000 arrived before one due earlier).
        """
        when, row = due if due is not None else (time.time(), 0)
        member = f"{row:020d}:{uuid.uuid4().hex}"  # ties of one moment go by row id
        while True:
            wait, booked, stamped = await self.reserve_line_async(line, chat_id, member, when)
            if booked:
                break
            await asyncio.sleep(max(wait, 0.001))
        if wait > 0:
            await asyncio.sleep(wait)
        if not stamped:
            await self._leave_async()

    async def acquire_bulk_async(self, chat_id: int, due: tuple[float, int] | None = None) -> None:
        """``acquire_line_async`` in the bulk line (the scheduler's reminders and reviews)."""
        await self.acquire_line_async(Line.BULK, chat_id, due)

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
