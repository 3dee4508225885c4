"""How-to under a workout: an exercise's picture and its steps, as a photo.

``i:<plan>`` turns the workout's buttons into one per exercise that has a picture (and
Back); ``i:<plan>:<i>:<check>`` sends exercise ``i``'s picture by URL (Telegram fetches it)
with its steps as the caption; the list stays, so another exercise is one tap away. Every
press is checked against the caller's own plans first (usecases.pictures).
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest

import usecases
from adapters.telegram import markup
from bot.handlers import texts
from bot.handlers.common import callback_query, db, decoded, member, set_buttons
from bot.handlers.context import Context
from chat.callbacks import Kind
from chat.keyboards import pictures_keyboard

__all__ = ["picture_button"]

log = logging.getLogger(__name__)


async def _list(update: Update, context: Context, plan_id: int, answer: str | None) -> None:
    """The exercises that have a picture, as buttons under the workout."""
    query = callback_query(update)
    found = await db(context, usecases.pictured_exercises, member(update), plan_id)
    if found is None:
        await query.answer(texts.NOT_FOUND)
        return
    if not found:
        await query.answer(texts.PICTURES_NONE)
        return
    await query.answer(answer)
    if isinstance(query.message, Message):
        await set_buttons(query.message, pictures_keyboard(plan_id, found))


async def picture_button(update: Update, context: Context) -> None:
    """How-to: the list of pictured exercises, or one exercise's picture."""
    query = callback_query(update)
    data = await decoded(query, Kind.PICTURE)
    if data is None or data.id is None:
        return
    if data.index is None or data.check is None:
        await _list(update, context, data.id, texts.PICTURES_PICK)
        return
    outcome = await db(
        context,
        usecases.exercise_picture,
        member(update),
        data.id,
        data.index,
        data.check,
        context.picture_url,
    )
    if outcome.status is usecases.PictureStatus.NOT_FOUND:
        await query.answer(texts.NOT_FOUND)
        return
    if outcome.status is usecases.PictureStatus.STALE:
        await _list(update, context, data.id, texts.PICTURE_STALE)
        return
    if outcome.card is None:
        await query.answer(texts.PICTURE_GONE)
        return
    await query.answer()
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await chat.send_photo(
            outcome.card.url, caption=outcome.card.caption, reply_markup=markup(None)
        )
    except BadRequest as exc:  # Telegram could not fetch the picture: the steps as text
        log.warning("plan %s: picture %s not sent: %s", data.id, outcome.card.url, exc.message)
        await chat.send_message(outcome.card.caption)
