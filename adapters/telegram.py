"""The worker's own Bot API client: delivery into chats, under the shared send budget.

Worker threads are synchronous; python-telegram-bot is asynchronous. One background event
loop per process (adapters/loopthread.py) owns one initialised ``Bot`` (``async with
Bot(...)``-style lifetime: ``start`` initialises, ``close`` shuts it down), and worker
threads hand it coroutines.
Telegram's answers map to what the actor needs:

    429 RetryAfter        -> TryLater(retry_after)               (the job comes back later)
    403 Forbidden         -> DeliveryFailed                      (bot blocked: stop)
    400 not modified      -> fine, the message already shows this
    400 message not found -> send a new message instead of editing

``frame`` is the other kind of message: the workout shown while the AI writes it, an edit of
the placeholder at the lowest priority of the send budget (``SendLimiter.try_sending_async``:
dropped rather than waited for). A frame never raises: whatever goes wrong drops it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from adapters.loopthread import LoopThread
from adapters.metrics import record_telegram_error
from adapters.sendbudget import Line, SendLimiter
from usecases.errors import DeliveryFailed, TryLater
from usecases.ports import Due, Keyboard

__all__ = [
    "CountingRequest",
    "TelegramNotifier",
    "edit_unless_unchanged",
    "markup",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
FRAME_TIMEOUT = 5.0
"""Seconds a frame may take: the AI's stream is not read meanwhile."""


def markup(rows: Keyboard | None) -> InlineKeyboardMarkup | None:
    """Rows of chat buttons (chat.keyboards) as Telegram's inline keyboard; None for none.
    The one conversion: the bot's handlers and the worker's notifier both use it."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


async def edit_unless_unchanged(edit: Awaitable[object]) -> None:
    """Await a Bot API edit; Telegram's 400 "message is not modified" (the message already
    shows this: a double tap, a part that did not change) is not an error. The bot's handlers
    and the worker's notifier both edit through it."""
    try:
        await edit
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


def retry_after_seconds(exc: RetryAfter) -> float:
    """PTB gives an int or a timedelta depending on its settings; seconds either way."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class CountingRequest(HTTPXRequest):
    """PTB's HTTP client, counting every Bot API call that fails: by the HTTP code of the
    answer (``flexflow_telegram_errors_total``), or ``timeout``/``network`` without one.
    The worker's notifier and the bot (bot/app.py) both use it."""

    def __init__(self, process: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.process = process

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            record_telegram_error(self.process, "timeout")
            raise
        except NetworkError:
            record_telegram_error(self.process, "network")
            raise
        if code >= 400:
            record_telegram_error(self.process, str(code))
        return code, payload


class TelegramNotifier:
    """Delivers into Telegram chats from synchronous worker threads."""

    def __init__(
        self,
        *,
        token: str,
        api_url: str,
        limiter: SendLimiter,
        timeout: float = 20.0,
        line: Line | None = None,
    ) -> None:
        self._limiter = limiter
        self._line = line
        """The send budget's line to wait in (``Line.DELIVERY`` for the worker's messages,
        ``Line.BULK`` for the scheduler's); None: book as the bot's replies do."""
        self._timeout = timeout
        request = CountingRequest("worker", connection_pool_size=64, read_timeout=timeout)
        self._bot = Bot(token, base_url=f"{api_url}/bot", request=request)
        self._loop = LoopThread("telegram-notifier")
        self._started = False
        self._start_lock = threading.Lock()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro, timeout=self._timeout * 3)

    def _ensure_started(self) -> None:
        with self._start_lock:
            if not self._started:
                # Initialise the HTTP pools only: get_me is not needed to send, and a
                # rejected token must not end up in an exception message (PTB puts it there).
                self._run(self._bot.request.initialize())
                self._started = True

    def put(
        self,
        chat_id: int,
        html: str,
        *,
        edit_message_id: int | None,
        keyboard: Keyboard | None,
        due: Due | None = None,
    ) -> int:
        """Edit or send one HTML message; see the module docstring for error handling. In a
        line, messages go in ``due`` order across processes (else in the order they ask)."""
        self._ensure_started()
        try:
            buttons = markup(keyboard)
            return self._run(self._put(chat_id, html, edit_message_id, buttons, due))
        except RetryAfter as exc:
            delay = retry_after_seconds(exc)
            log.warning("Telegram asked to wait %.0fs before writing to chat %s", delay, chat_id)
            raise TryLater("telegram flood control", delay) from exc
        except Forbidden as exc:
            raise DeliveryFailed(f"chat {chat_id} is closed to the bot: {exc.message}") from exc

    async def _put(
        self,
        chat_id: int,
        html: str,
        edit_message_id: int | None,
        markup: InlineKeyboardMarkup | None,
        due: Due | None = None,
    ) -> int:
        if self._line is not None:
            place = None if due is None else (due[0].timestamp(), due[1])
            sending = self._limiter.sending_in_line_async(self._line, chat_id, place)
        else:
            sending = self._limiter.sending_async(chat_id)
        async with sending:  # counted in flight until Telegram has answered
            return await self._write(chat_id, html, edit_message_id, markup)

    async def _write(
        self,
        chat_id: int,
        html: str,
        edit_message_id: int | None,
        markup: InlineKeyboardMarkup | None,
    ) -> int:
        """Edit the placeholder into ``html``, or send it anew where there is none."""
        if edit_message_id is not None:
            try:
                await self._edit(chat_id, edit_message_id, html, markup=markup)
            except BadRequest as exc:
                text = exc.message.lower()
                if "not found" not in text and "can't be edited" not in text:
                    raise
                log.info(
                    "placeholder %s in chat %s is gone; sending anew", edit_message_id, chat_id
                )
            else:
                return edit_message_id
        message = await self._bot.send_message(
            chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        return message.message_id

    def frame(self, chat_id: int, html: str, *, message_id: int) -> bool:
        """Edit ``message_id`` into ``html`` if the send budget has room at once; True when
        the edit went out. Waits for the edit to finish (at most ``FRAME_TIMEOUT``), so no
        frame can land after the workout that follows it."""
        self._ensure_started()
        try:
            # Overdue, it is cancelled (it must not land later, after the workout).
            return self._loop.run(self._frame(chat_id, html, message_id), FRAME_TIMEOUT * 2)
        except TimeoutError:
            log.info("frame for chat %s dropped: no answer in time", chat_id)
        except TelegramError as exc:
            log.info("frame for chat %s dropped: %s", chat_id, exc)
        return False

    async def _frame(self, chat_id: int, html: str, message_id: int) -> bool:
        async with self._limiter.try_sending_async(chat_id) as booked:
            if not booked:
                return False
            await self._edit(chat_id, message_id, html, limit_s=FRAME_TIMEOUT)
            return True

    async def _edit(
        self,
        chat_id: int,
        message_id: int,
        html: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        limit_s: float | None = None,
    ) -> None:
        """Edit ``message_id`` into ``html`` (an unchanged text is fine); ``limit_s`` bounds
        each of the call's phases (None: the request's defaults)."""
        limits: dict[str, Any] = {}
        if limit_s is not None:
            limits = {f"{phase}_timeout": limit_s for phase in ("read", "write", "connect", "pool")}
        await edit_unless_unchanged(
            self._bot.edit_message_text(
                html,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                **limits,
            )
        )

    def close(self) -> None:
        if self._started:
            self._run(self._bot.request.shutdown())
        self._loop.close()
        self._limiter.close()
