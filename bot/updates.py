"""Updates of different people run at once; updates of one person run in order.

PTB processes updates one at a time by default, so one slow reply (waiting for the shared
send budget, say) would hold up everyone. Its ``concurrent_updates`` runs them all at once,
which would let two quick taps of the same person race through a dialog. This processor
sits between: one lock per chat (or user), many chats at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

__all__ = ["MAX_CONCURRENT_UPDATES", "PerChatUpdateProcessor"]

MAX_CONCURRENT_UPDATES = 4096
"""Updates in hand at once. An update that waits for the shared send budget holds its place:
at Telegram's ceiling (28 messages a second) 1,000 Generate taps within 10 s each wait up to
~35 s for their placeholder's edit, and with 512 places the 513th tap was not even read, so
its button's answer (which waits for nothing) came 14 s late (the ceiling benchmark). A
waiting update costs a coroutine (a few KB)."""


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` at once, never two of the same chat."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run ``coroutine`` once no other update of the same chat is running."""
        key = _key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
