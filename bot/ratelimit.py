"""python-telegram-bot's rate limiter on the bot-wide send budget of adapters.sendbudget.

Every message the bot sends first reserves a slot in the budget it shares with the workers
(about 30 messages a second overall, about one a second per chat, through Redis when there is
one). Editing a dialog message in answer to a button counts against the bot's overall budget
only: it adds no message to the chat, and holding every step of a dialog to one a second
would make tapping through it sluggish. Other calls (answering a button, polling) go straight
through. A 429 from Telegram waits its retry_after and tries again, a few times. At most
``CONNECTIONS`` calls are in flight at once, ``SENDERS`` of them message calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from adapters.sendbudget import SendLimiter

__all__ = ["CONNECTIONS", "EDIT_ENDPOINTS", "SENDERS", "SEND_ENDPOINTS", "SharedRateLimiter"]

log = logging.getLogger(__name__)

SEND_ENDPOINTS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
)
"""Calls that add a message to a chat: the overall and the per-chat budget."""
EDIT_ENDPOINTS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
"""Calls that change a message in place: the overall budget only."""

CONNECTIONS = 32
"""Bot API calls in flight at once, and the size of the bot's HTTP connection pool.

Calls beyond it wait here, in order, rather than in httpx's pool: httpcore 1.0 rescans every
pooled connection for each queued request (quadratic), which with PTB's default of 256
connections and 500 taps at once took 43% of the bot's CPU (py-spy) and delayed the
answers to the taps by seconds. 32 calls at a round trip of 0.1 s are 320 calls a second,
ten times what Telegram lets a bot send."""

SENDERS = 8
"""Of those, calls that send or edit a message. Such a call books its moment in the send
budget only once it holds one of these, so the bot never books more than a few sends ahead:
booked all at once, 500 placeholders pushed the shared budget 20 s into the future (the
workers' deliveries queued behind them, holding worker threads while AI slots sat idle),
and a booking made long before its connection was free went out in a bunch with others
(up to 102 messages in one second, against Telegram's 30)."""

Result = bool | dict[str, Any] | list[dict[str, Any]]


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class SharedRateLimiter(BaseRateLimiter[None]):
    """Throttles message calls through a ``SendLimiter``; retries after a 429."""

    def __init__(self, limiter: SendLimiter, *, max_retries: int = 3) -> None:
        self._limiter = limiter
        self._max_retries = max_retries
        self._senders = asyncio.Semaphore(SENDERS)
        self._others = asyncio.Semaphore(CONNECTIONS - SENDERS)

    async def initialize(self) -> None:
        """Nothing to open: the limiter connects lazily."""

    async def shutdown(self) -> None:
        """Close the limiter's asynchronous Redis connection."""
        await self._limiter.aclose()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        """Wait for a send slot (message calls only), call, and wait out 429s."""
        chat = data.get("chat_id")
        chat_id = chat if isinstance(chat, int) and endpoint in SEND_ENDPOINTS else None
        limited = endpoint in SEND_ENDPOINTS or endpoint in EDIT_ENDPOINTS
        for attempt in range(self._max_retries + 1):
            try:
                if not limited:  # answers to buttons, chat actions: never behind a send
                    async with self._others:
                        return await callback(*args, **kwargs)
                async with self._senders, self._limiter.sending_async(chat_id):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                delay = _seconds(exc.retry_after)
                log.warning("Telegram asked to wait %.1fs (%s); waiting", delay, endpoint)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")
