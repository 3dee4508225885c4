"""python-telegram-bot's rate limiter on the bot-wide send budget of jobs.ratelimit.

Every message the bot sends or edits first reserves a slot in the budget it shares with the
workers (about 30 messages a second overall, about one a second per chat, through Redis when
there is one). Other calls (answering a button, polling) are not messages and go straight
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

__all__ = ["MESSAGE_ENDPOINTS", "SharedRateLimiter"]

log = logging.getLogger(__name__)

MESSAGE_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendPhoto",
        "sendDocument",
        "copyMessage",
        "forwardMessage",
    }
)
"""Calls that put something into a chat and so count against Telegram's message limits."""

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
        chat_id = chat if isinstance(chat, int) else None
        for attempt in range(self._max_retries + 1):
            if endpoint in MESSAGE_ENDPOINTS:
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
