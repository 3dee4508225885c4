"""Requests written while the queue (Redis) was down: sent once it is back.

Generate writes the request row first and enqueues second. When the enqueue fails the row
is kept ``queued`` (the user's request is not lost and not doubled) and handed here: one
asyncio task per bot process tries every pending request again each ``interval_s``, in the
order they came, until the queue takes them; the worker then edits the placeholder into the
workout as usual. A request still pending after ``give_up_s`` is marked failed and its
placeholder says so, with a Try again button.

If the bot stops meanwhile, what was pending here stays ``queued`` in the database, and the
workers' sweeper (jobs/sweeper.py) queues it again once it is old enough: this is the fast
path, the sweeper the safety net.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

import usecases
from adapters.telegram import markup
from chat.keyboards import failure_keyboard
from core.coaches import coach_by_key
from core.render import failure_text
from usecases.errors import QueueUnavailable
from usecases.ports import Enqueue

__all__ = ["GIVE_UP_S", "INTERVAL_S", "Pending", "Requeuer"]

log = logging.getLogger(__name__)

INTERVAL_S = 1.0
"""Seconds between tries; a try while Redis is down fails at once (connection refused)."""
GIVE_UP_S = 600.0
"""After this long without a queue the user is told, and may try again."""


@dataclass(frozen=True, slots=True)
class Pending:
    """A request whose message has not reached the queue yet."""

    request_id: int
    """The request row (state ``queued``)."""
    chat_id: int
    """Where its placeholder is."""
    placeholder_id: int
    """The message that says the coach is writing."""
    coach: str
    """The coach's key, for the failure text."""
    since: float
    """``time.monotonic()`` of the first failed enqueue."""


class Requeuer:
    """Holds the pending requests of one bot process and retries them in the background."""

    def __init__(
        self,
        sessions: usecases.Sessions,
        *,
        enqueue: Enqueue,
        interval_s: float = INTERVAL_S,
        give_up_s: float = GIVE_UP_S,
        give_up_text: str = "Please try again in a minute.",
    ) -> None:
        self.sessions = sessions
        self.enqueue = enqueue
        self.interval_s = interval_s
        self.give_up_s = give_up_s
        self.give_up_text = give_up_text
        """Why, in the failure message a request gets when it is given up."""
        self._pending: dict[int, Pending] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> list[int]:
        """The request ids still waiting for the queue."""
        return list(self._pending)

    def add(self, application: Application[Any, Any, Any, Any, Any, Any], item: Pending) -> None:
        """Keep trying ``item`` until the queue takes it (or ``give_up_s`` passes)."""
        self._pending.setdefault(item.request_id, item)
        if self._task is None or self._task.done():
            self._task = application.create_task(self._run(application), name="flexflow-requeue")

    async def _run(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        # application.running turns False when the bot stops: stop() waits for this task,
        # so it ends within one interval; the rows stay queued for the sweeper.
        while self._pending and application.running:
            await asyncio.sleep(self.interval_s)
            await self.retry_once(application)

    async def retry_once(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """One round: queue what the queue takes, give up on what waited too long."""
        for item in list(self._pending.values()):
            if time.monotonic() - item.since > self.give_up_s:
                del self._pending[item.request_id]
                await self._give_up(application, item)
                continue
            try:
                await asyncio.to_thread(self.enqueue, item.request_id)
            except QueueUnavailable:
                return  # still down: the rest would fail the same way
            del self._pending[item.request_id]
            log.warning("request %s queued now that the queue is back", item.request_id)

    async def _give_up(
        self, application: Application[Any, Any, Any, Any, Any, Any], item: Pending
    ) -> None:
        reason = f"queue unavailable for {self.give_up_s:g} s"
        failed = await asyncio.to_thread(
            usecases.give_up_queued, self.sessions, item.request_id, reason
        )
        if not failed:  # someone else queued it meanwhile (the sweeper): it is on its way
            return
        log.error("request %s failed: %s", item.request_id, reason)
        try:
            await application.bot.edit_message_text(
                failure_text(coach_by_key(item.coach), self.give_up_text),
                chat_id=item.chat_id,
                message_id=item.placeholder_id,
                reply_markup=markup(failure_keyboard(item.request_id)),
            )
        except TelegramError as exc:
            log.warning("request %s: could not tell the user: %s", item.request_id, exc)
