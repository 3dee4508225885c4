"""What every handler shares: who is talking, the database, buttons, and the small replies.

Also the handlers that belong to no dialog: /help, /cancel outside a dialog, buttons that
expired, text outside a dialog, and the one error handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import filters

import usecases
from adapters.telegram import edit_unless_unchanged, markup
from bot.handlers import texts
from bot.handlers.context import Context
from chat.callbacks import Callback, Kind, decode, dialog_value
from chat.keyboards import Rows

__all__ = [
    "READ",
    "ToTheBot",
    "acknowledge",
    "answer_expired",
    "button_id",
    "callback_query",
    "cancel_outside",
    "db",
    "decoded",
    "edit_or_send",
    "help_command",
    "is_current",
    "member",
    "on_error",
    "outside_dialog_text",
    "owned",
    "pressed",
    "reply",
    "set_buttons",
    "stale_button",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D", bound=Mapping[str, object])


async def db(context: Context, fn: Callable[..., T], *args: Any) -> T:
    """Run a service function in a worker thread: ``fn(sessions, *args)``."""
    return await asyncio.to_thread(fn, context.sessions, *args)


class ToTheBot(filters.MessageFilter):
    """A message that mentions the bot (@its_username, or a mention of its user) or replies
    to one of its messages: what the bot reads in a group."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        wanted = f"@{bot.username}".casefold()
        for entity, text in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items():
            if entity.type == MessageEntity.TEXT_MENTION:
                if entity.user is not None and entity.user.id == bot.id:
                    return True
            elif text.casefold() == wanted:
                return True
        return False


READ = filters.ChatType.PRIVATE | ToTheBot(name="ToTheBot")
"""The messages the bot reads: all of a private chat, a group's only when addressed to it."""


def member(update: Update) -> usecases.Member:
    """The person and chat of an update."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        raise ValueError(f"update {update.update_id} has no user or chat")
    return usecases.Member(telegram_id=user.id, chat_id=chat.id, name=user.first_name)


def callback_query(update: Update) -> CallbackQuery:
    """The update's callback query (handlers registered for queries only)."""
    if update.callback_query is None:
        raise ValueError(f"update {update.update_id} is not a button press")
    return update.callback_query


def is_current(query: CallbackQuery, state: Mapping[str, object]) -> bool:
    """True when the button is on the dialog's current message (not an old one)."""
    message = query.message
    return message is not None and message.message_id == state.get("message_id")


async def reply(update: Update, html: str, keyboard: Rows | None = None) -> Message:
    """Send an HTML message to the update's chat (HTML: the application's ``Defaults``),
    with ``keyboard`` under it."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError(f"update {update.update_id} has no chat")
    return await chat.send_message(html, reply_markup=markup(keyboard))


async def edit_or_send(update: Update, html: str, keyboard: Rows, *, edit: bool) -> int:
    """A dialog's next message: the pressed button's message edited into it (``edit``), or a
    new message; its id."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        await query.edit_message_text(html, reply_markup=markup(keyboard))
        return query.message.message_id
    message = await reply(update, html, keyboard)
    return message.message_id


async def set_buttons(message: Message, keyboard: Rows | None) -> None:
    """Put ``keyboard`` under ``message`` (None: no buttons); already there is fine (a double
    tap)."""
    await edit_unless_unchanged(message.edit_reply_markup(reply_markup=markup(keyboard)))


async def pressed(update: Update, state: D, required: str) -> tuple[D, str] | None:
    """The dialog's draft ``state`` and the pressed value; None (answered) for a button of an
    old message, or when no draft with ``required`` in it is open."""
    query = callback_query(update)
    if not is_current(query, state) or required not in state:
        await answer_expired(query)
        return None
    return state, dialog_value(query.data)


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button; one Telegram no longer takes (answered too late) is not an error.

    The answer only stops the button's spinner: the work the button started goes on and
    its messages tell the user what happened.
    """
    try:
        await query.answer(text)
    except BadRequest as exc:
        log.info("button %s answered too late: %s", query.id, exc.message)


async def decoded(query: CallbackQuery, kind: Kind) -> Callback | None:
    """A button's data of ``kind`` read back; for anything else (forged, from an older
    version) None, and the button is answered as expired."""
    try:
        data = decode(query.data or "")
    except ValueError:
        data = None
    if data is None or data.kind is not kind or data.id is None:
        await answer_expired(query)
        return None
    return data


async def button_id(query: CallbackQuery, kind: Kind) -> int | None:
    """The id in a workout button's data of ``kind`` (``p:12`` -> 12); None (answered as
    expired) for anything else."""
    data = await decoded(query, kind)
    return None if data is None else data.id


async def owned(
    update: Update,
    context: Context,
    kind: Kind,
    lookup: Callable[[usecases.Sessions, usecases.Member, int], T | None],
) -> tuple[int, T] | None:
    """The caller's own thing named by a button of ``kind`` (``p:12``): its id and what
    ``lookup(sessions, caller, id)`` found; None (the button answered: expired, or not found
    when it is not theirs) otherwise."""
    query = callback_query(update)
    item_id = await button_id(query, kind)
    if item_id is None:
        return None
    item = await db(context, lookup, member(update), item_id)
    if item is None:
        await query.answer(texts.NOT_FOUND)
        return None
    return item_id, item


async def answer_expired(query: CallbackQuery) -> None:
    """Answer a button that no longer does anything."""
    await query.answer(texts.EXPIRED)


async def stale_button(update: Update, context: Context) -> None:
    """Any button nothing else handled: old, from before a restart, or forged."""
    await answer_expired(callback_query(update))


async def help_command(update: Update, context: Context) -> None:
    """/help: the commands."""
    await reply(update, texts.HELP)


async def cancel_outside(update: Update, context: Context) -> None:
    """/cancel with no dialog open."""
    await reply(update, texts.NOTHING_TO_CANCEL)


async def outside_dialog_text(update: Update, context: Context) -> None:
    """Text that is not part of a dialog: point at the commands."""
    await reply(update, texts.NOT_UNDERSTOOD)


async def on_error(update: object, context: Context) -> None:
    """Log with the update id; mark a user who blocked the bot; otherwise say sorry."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    user = update.effective_user if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and user is not None:
        log.info("update %s: user %s blocked the bot (%s)", update_id, user.id, error.message)
        await db(context, usecases.mark_blocked, user.id)
        return
    log.error("update %s failed", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.SOMETHING_WRONG_SHORT)
    except TelegramError:  # already answered, or too old to answer
        pass
    try:
        if update.effective_chat is not None:
            await reply(update, texts.SOMETHING_WRONG)
    except TelegramError as exc:
        log.warning("update %s: could not tell the user: %s", update_id, exc)
