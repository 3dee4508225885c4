"""A per-user cap on typed messages read by the AI (FLEXFLOW_AI_MESSAGES_PER_DAY).

A sliding 24-hour window per user, kept in this process's memory: one bot process serves a
token, so it sees every message, and the cap is a cost guard, not accounting; a restart
forgets the window (at most one extra day's allowance). Over the cap the rules read the
message instead, so nobody is refused anything. Written here rather than with a rate-limit
library: a deque per user is the whole of it, and the limiter the project has
(adapters/sendbudget.py) is a token bucket for sends, shared through Redis, not a per-user
daily count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["DAY_S", "AIBudget"]

DAY_S = 24 * 3600.0


class AIBudget:
    """At most ``per_day`` AI readings per user in any ``window`` seconds."""

    def __init__(
        self, per_day: int, *, window: float = DAY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_day = per_day
        self._window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, user_id: int) -> bool:
        """Use one of the user's AI readings; False when none is left in the window."""
        if self.per_day <= 0:
            return False
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(user_id, deque())
            while times and now - times[0] >= self._window:
                times.popleft()
            if len(times) >= self.per_day:
                return False
            times.append(now)
            if len(self._seen) > 100_000:  # forget users whose window is empty
                self._seen = {
                    k: v for k, v in self._seen.items() if v and now - v[-1] < self._window
                }
            return True
