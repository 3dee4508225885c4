"""A live session in the chat: Start under a workout, then one message edited set by set.

``t:<plan>`` (Start) sends the session's message, at the first set; ``l:<live>:<step>:<a>``
is one of its buttons (usecases/live.py has the rules: the caller's own session, the step
the button was made at). Every tap is answered at once; the message is edited in place
(its text and buttons for the new step); a tap from an earlier step or an ended session
says so (and leaves the message, which shows where the session is). When the session
ends its buttons become the rating of its log, as after Done.
The rest timer's ring is sent by the scheduler's actor (jobs/schedule.py), not here.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Update

import usecases
from adapters.telegram import edit_unless_unchanged, markup
from bot.handlers import texts
from bot.handlers.common import callback_query, db, decoded, member, reply
from bot.handlers.context import Context
from chat.callbacks import Kind
from chat.keyboards import Rows, live_keyboard
from core.live import render_live

__all__ = ["live_button", "start_button"]

log = logging.getLogger(__name__)

_TOASTS = {
    "d": "Set logged ✅",
    "sk": "Exercise skipped",
    "nx": "Next set",
    "x": "Session over: what you did is logged",
}


def keyboard_for(view: usecases.LiveView) -> Rows:
    return live_keyboard(view.live_id, view.log_id, view.live)


async def start_button(update: Update, context: Context) -> None:
    """Start: the caller's session of that plan, its message at the first set."""
    query = callback_query(update)
    data = await decoded(query, Kind.START)
    if data is None or data.id is None:
        return
    view = await db(context, usecases.start_live, member(update), data.id)
    if view is None:
        await query.answer(texts.NOT_FOUND)
        return
    if not view.created:  # a second tap, or Start again: the session already has its message
        await query.answer(texts.LIVE_RUNNING)
        return
    await query.answer()
    message = await reply(update, render_live(view.live, view.title), keyboard_for(view))
    await db(context, usecases.set_live_message, member(update), view.live_id, message.message_id)


async def live_button(update: Update, context: Context) -> None:
    """One tap on a live session's message."""
    query = callback_query(update)
    data = await decoded(query, Kind.LIVE)
    if data is None or data.id is None or data.step is None or data.action is None:
        return
    now = dt.datetime.now(dt.UTC)
    outcome = await db(
        context, usecases.act_live, member(update), data.id, data.step, data.action, now
    )
    if outcome.status == "not_found" or outcome.view is None:
        await query.answer(texts.NOT_FOUND)
        return
    view = outcome.view
    if outcome.status == "ended":
        await query.answer(texts.LIVE_ENDED)
        if query.message is not None and view.live.phase != "finished":
            await edit_unless_unchanged(query.edit_message_reply_markup(reply_markup=None))
        return
    if outcome.status == "stale":  # the message already shows where the session is
        await query.answer(texts.LIVE_STALE)
        return
    await query.answer(_TOASTS.get(data.action))
    await edit_unless_unchanged(
        query.edit_message_text(
            render_live(view.live, view.title), reply_markup=markup(keyboard_for(view))
        )
    )
