"""/history: the user's workouts, newest first, a page at a time; a button opens one.

``h:<page>`` from a history message turns that message to the page; from anywhere else (the
History button under a workout) it sends the page as a new message. ``p:<id>`` shows a plan
only when it is the caller's own; anything else is answered "not found".
"""

from __future__ import annotations

import datetime as dt

from telegram import Message, Update

import usecases
from adapters.telegram import edit_unless_unchanged, markup
from bot.handlers import texts
from bot.handlers.common import (
    button_id,
    callback_query,
    db,
    member,
    owned,
    reply,
)
from bot.handlers.context import Context
from chat.callbacks import Kind
from chat.keyboards import Rows, history_keyboard, workout_keyboard
from core.render import render_plan, utc_date

__all__ = ["history_button", "history_command", "plan_button"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(moment: dt.datetime) -> str:
    day = utc_date(moment)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _page_view(page: usecases.HistoryPage) -> tuple[str, Rows | None]:
    first = page.page * usecases.HISTORY_PAGE_SIZE + 1
    lines, buttons = [], []
    for number, plan in enumerate(page.plans, start=first):
        day = _day(plan.created_at)
        lines.append(texts.history_line(number, plan, day))
        label = f"{number}. {day} · {plan.workout_type.label} · {plan.duration_min} min"
        buttons.append((plan.plan_id, label))
    text = texts.history_text(
        lines, first=first, last=first + len(page.plans) - 1, total=page.total
    )
    keyboard = history_keyboard(
        buttons, page=page.page, has_newer=page.has_newer, has_older=page.has_older
    )
    return text, keyboard


def _is_history(message: Message | None) -> bool:
    """A history page is recognised by its plan buttons."""
    keyboard = message.reply_markup if isinstance(message, Message) else None
    if keyboard is None:
        return False
    return any(
        isinstance(b.callback_data, str) and b.callback_data.startswith("p:")
        for row in keyboard.inline_keyboard
        for b in row
    )


async def history_command(update: Update, context: Context) -> None:
    """/history: the newest page."""
    page = await db(context, usecases.history_page, member(update), 0)
    text, keyboard = _page_view(page)
    await reply(update, text, keyboard)


async def history_button(update: Update, context: Context) -> None:
    """Older/Newer, or History under a workout."""
    query = callback_query(update)
    number = await button_id(query, Kind.HISTORY)
    if number is None:
        return
    await query.answer()
    page = await db(context, usecases.history_page, member(update), number)
    text, keyboard = _page_view(page)
    message = query.message
    if not (isinstance(message, Message) and _is_history(message)):
        await reply(update, text, keyboard)
        return
    # An old page number is clamped to the page already shown: that edit changes nothing.
    await edit_unless_unchanged(query.edit_message_text(text, reply_markup=markup(keyboard)))


async def plan_button(update: Update, context: Context) -> None:
    """Open one of the caller's plans (as several messages when it is long)."""
    found = await owned(update, context, Kind.PLAN, usecases.plan_for)
    if found is None:
        return
    plan_id, view = found
    await callback_query(update).answer()
    parts = render_plan(view.plan, view.units)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await reply(update, part, workout_keyboard(plan_id) if last else None)
