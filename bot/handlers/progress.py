"""/progress (a summary and a chart) and /export (a CSV file) from the caller's own log.

Both read only the caller's rows (the use cases look the user up by the update's sender, no id
comes from the chat). The chart is drawn off the event loop (a fraction of a second of CPU
there would stall every chat) on a thread of its own rather than ``asyncio.to_thread``:
charts are drawn one at a time (core/charts.py), and a burst of /progress waiting for that
lock in the shared default executor would hold up every other chat's database calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

from telegram import Chat, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

import usecases
from bot.handlers import texts
from bot.handlers.common import db, member, reply
from bot.handlers.context import Context
from core.charts import progress_chart
from core.export import export_filename

__all__ = ["export_command", "progress_command"]

log = logging.getLogger(__name__)

_CHARTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
"""Threads start on first use, so an idle bot has none."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    return _now().date()


def _chat(update: Update) -> Chat:
    chat = update.effective_chat
    if chat is None:
        raise ValueError(f"update {update.update_id} has no chat")
    return chat


async def _show_activity(chat: Chat, action: str) -> None:
    """Show "sending a photo…" while the file is made; a failure must not stop the file."""
    try:
        await chat.send_action(action)
    except TelegramError as exc:
        log.debug("chat %s: no chat action: %s", chat.id, exc)


async def progress_command(update: Update, context: Context) -> None:
    """/progress: the summary at once, then the chart of the last weeks as a photo."""
    view = await db(context, usecases.progress_for, member(update), _now())
    progress = view.progress
    if progress is None:
        await reply(update, texts.NO_PROGRESS_YET)
        return
    await reply(update, texts.progress_text(progress, view.units, view.readiness))
    if progress.window_sessions == 0:  # an empty chart says nothing the text did not
        return
    chat = _chat(update)
    await _show_activity(chat, ChatAction.UPLOAD_PHOTO)
    loop = asyncio.get_running_loop()
    png = await loop.run_in_executor(_CHARTS, progress_chart, progress, view.units)
    await chat.send_photo(
        png,
        filename="flexflow-progress.png",
        caption=texts.progress_caption(progress, view.units),
    )


async def export_command(update: Update, context: Context) -> None:
    """/export: the caller's logged sets as a CSV document."""
    today = _today()
    chat = _chat(update)
    await _show_activity(chat, ChatAction.UPLOAD_DOCUMENT)
    result = await db(context, usecases.export_for, member(update))
    if result is None:
        await reply(update, texts.NOTHING_TO_EXPORT)
        return
    exported, units = result
    await chat.send_document(
        exported.data,
        filename=export_filename(today),
        caption=texts.export_caption(exported, units),
    )
