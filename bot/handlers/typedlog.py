"""A workout typed as one message ("bench 60x8 60x8, squats 3x5@100", "did it all"): read by
core.typedlog against the user's newest delivered plan, shown back, stored only on Save.

    typed text ─▶ read ─▶ every part read ─▶ DONE_CONFIRM  "Is this right?" Save · Edit · Cancel
                   │                           ├─ Save ───▶ logged (usecases.log_done, as Done
                   │                           │            does); "How did it feel?"      (end)
                   │                           ├─ Edit ───▶ Done's Enter sets, first exercise
                   │                           ├─ Cancel ─▶ nothing logged                 (end)
                   │                           └─ typed again ─▶ read again, shown again
                   └─ a part did not read ─▶ quoted back with an example; nothing stored

The reading lives in the Done draft (bot/handlers/drafts.DoneDraft, persisted), its sets
already filled in, so Save after a restart stores what was shown.
"""

from __future__ import annotations

import re
from functools import cache

from telegram import Update
from telegram.ext import ConversationHandler

import usecases
from bot.handlers import done, texts
from bot.handlers.common import db, member, pressed, reply
from bot.handlers.context import Context
from bot.handlers.drafts import DoneDraft
from bot.handlers.states import State
from bot.handlers.steps import Step, choose_one
from chat.keyboards import typed_log_keyboard
from core.catalogue import load_catalogue
from core.typedlog import LogExercise, TypedLog, read_log

__all__ = ["confirm_pressed", "offer", "read", "typed_again"]

_MENTION = re.compile(r"(?<![\w@])@[A-Za-z]\w{2,}")
"""A @username (Telegram's start with a letter), never the "@100" of "3x5@100"."""


@cache
def _catalogue_names() -> tuple[str, ...]:
    return tuple(entry.name for entry in load_catalogue().entries)


def read(text: str, to_log: usecases.ToLog) -> TypedLog | None:
    """What ``text`` logs of the plan ``to_log``; None when it is no log at all."""
    exercises = [LogExercise(item.name, item.planned) for item in to_log.exercises]
    return read_log(text, exercises, _catalogue_names())


def _draft(to_log: usecases.ToLog, reading: TypedLog, message_id: int) -> DoneDraft:
    """The Done draft holding the reading: the plan's exercises (the typed sets, or none),
    then exercises typed that the plan did not have."""
    state = done.fresh(to_log, message_id)
    read_sets = dict(reading.entries)
    extras = [name for name, _ in reading.entries if name not in {i.name for i in to_log.exercises}]
    for name in extras:
        state["items"].append((name, "", 0, None, None, None, None))
    state["done"] = [
        [(s.reps, s.weight_kg, s.duration_s) for s in read_sets.get(str(row[0]), ())]
        for row in state["items"]
    ]
    state["index"] = len(state["items"])
    return state


async def offer(
    update: Update, context: Context, to_log: usecases.ToLog, reading: TypedLog
) -> Step:
    """Show a typed log back with Save and Edit (or, when a part did not read, say which)."""
    if not reading.savable:
        first = to_log.exercises[0].name if to_log.exercises else ""
        await reply(update, texts.typed_log_unread(reading.problems, first))
        return None
    mentioned = {name for name, _ in reading.entries}
    missing = [i.name for i in to_log.exercises if i.name not in mentioned]
    text = texts.typed_log_text(to_log.title, reading.entries, missing, to_log.units)
    sent = await reply(update, text, typed_log_keyboard())
    context.drop_drafts("workout", "profile")
    context.drafts[done.DRAFT] = _draft(to_log, reading, sent.message_id)
    return State.DONE_CONFIRM


async def _current(update: Update, context: Context) -> tuple[DoneDraft, str] | None:
    return await pressed(update, done.draft(context), "plan_id")


@choose_one(_current, ("save", "edit", "cancel"))
async def confirm_pressed(update: Update, context: Context, state: DoneDraft, value: str) -> Step:
    """Save, Edit or Cancel under a typed log shown back."""
    if value == "save":
        return await done.finish(update, context, state, edit=True)
    if value == "cancel":
        context.drop_drafts(done.DRAFT)
        await done.say(update, texts.LOG_CANCELLED, edit=True)
        return ConversationHandler.END
    # Edit: Done's Enter sets over the plan's own exercises, from the first.
    state["items"] = [row for row in state["items"] if row[2]]
    state["done"], state["index"] = [], 0
    return await done.next_exercise(update, context, state, edit=True)


async def typed_again(update: Update, context: Context) -> Step:
    """Text while a typed log waits for Save: read as a new log of the same plan."""
    message = update.effective_message
    state = done.draft(context)
    if message is None or message.text is None or "plan_id" not in state:
        return None
    to_log = await db(context, usecases.plan_to_log, member(update), state["plan_id"])
    text = _MENTION.sub(" ", message.text)  # a group's "@bot bench 60x8"
    reading = read(text, to_log) if to_log is not None else None
    if to_log is None or reading is None:
        await reply(update, texts.TYPED_LOG_PENDING)
        return None
    return await offer(update, context, to_log, reading)
