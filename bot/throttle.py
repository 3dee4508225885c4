"""How many updates a minute one person may send: a token bucket per user, in memory.

Each user has a bucket of ``per_minute`` tokens that refills at ``per_minute`` a minute; an
update takes one token, and an update that finds the bucket empty is dropped. The first drop
after a quiet spell is a WARN (the bot says "slow down" once), the others within
``NOTICE_WINDOW`` are silent DROPs, so a flood never turns into a flood of notices.

In memory rather than in Redis: one bot process serves a token (Telegram allows one poller),
so its memory sees every update; a restart forgets the buckets, which only forgives a burst.
Idle users' buckets are forgotten too, so the table stays as small as the busy set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

__all__ = ["NOTICE_WINDOW", "UpdateThrottle", "Verdict"]

NOTICE_WINDOW = 60.0
"""Seconds after a "slow down" notice during which further drops stay silent."""


class Verdict(Enum):
    """What to do with one update."""

    ALLOW = "allow"
    """Under the limit: handle it."""
    WARN = "warn"
    """Over the limit, first time in the window: drop it and tell the user once."""
    DROP = "drop"
    """Over the limit, already told: drop it quietly."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    """Updates the user may still send now."""
    at: float
    """When ``tokens`` was last brought up to date (clock seconds)."""
    warned_at: float | None = None
    """When the user was last told to slow down."""


class UpdateThrottle:
    """A token bucket per user: ``per_minute`` updates a minute, bursts of up to as many."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        prune_above: int = 10_000,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._prune_above = prune_above

    def __len__(self) -> int:
        """Users with a bucket in memory."""
        return len(self._buckets)

    def check(self, user_id: int) -> Verdict:
        """Take a token for one update of ``user_id``; the verdict on that update."""
        now = self._clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self._prune_above:
                self._prune(now)
            bucket = self._buckets[user_id] = _Bucket(tokens=float(self.per_minute), at=now)
        else:
            bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.ALLOW
        if bucket.warned_at is None or now - bucket.warned_at >= NOTICE_WINDOW:
            bucket.warned_at = now
            return Verdict.WARN
        return Verdict.DROP

    def _prune(self, now: float) -> None:
        """Forget users whose bucket has refilled and who were not warned lately."""
        full = 60.0  # seconds for any bucket to refill from empty
        idle = [
            uid
            for uid, b in self._buckets.items()
            if now - b.at >= full and (b.warned_at is None or now - b.warned_at >= NOTICE_WINDOW)
        ]
        for uid in idle:
            del self._buckets[uid]
        if len(self._buckets) >= self._prune_above:  # everyone is busy: grow rather than thrash
            self._prune_above *= 2
