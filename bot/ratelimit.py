"""python-telegram-bot's rate limiter on the bot-wide send budget of jobs.ratelimit.

Every message the bot sends first reserves a slot in the budget it shares with the workers
(about 30 messages a second overall, about one a second per chat, through Redis when there is
one). Editing a dialog message in answer to a button counts against the bot's overall budget
only: it adds no message to the chat, and holding every step of a dialog to one a second
would make tapping through it sluggish. Other calls (answering a button, polling) go straight
through. A 429 from Telegram waits its retry_after and tries again, a few times.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from jobs.ratelimit import SendLimiter

__all__ = ["EDIT_ENDPOINTS", "SEND_ENDPOINTS", "SharedRateLimiter"]

log = logging.getLogger(__name__)

SEND_ENDPOINTS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
)
"""Calls that add a message to a chat: the overall and the per-chat budget."""
EDIT_ENDPOINTS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
"""Calls that change a message in place: the overall budget only."""

Result = bool | dict[str, Any] | list[dict[str, Any]]


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class SharedRateLimiter(BaseRateLimiter[None]):
    """Throttles message calls through a ``SendLimiter``; retries after a 429."""

    def __init__(self, limiter: SendLimiter, *, max_retries: int = 3) -> None:
        self._limiter = limiter
        self._max_retries = max_retries

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
        for attempt in range(self._max_retries + 1):
            if endpoint in SEND_ENDPOINTS or endpoint in EDIT_ENDPOINTS:
                await self._limiter.acquire_async(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                delay = _seconds(exc.retry_after)
                log.warning("Telegram asked to wait %.1fs (%s); waiting", delay, endpoint)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")
