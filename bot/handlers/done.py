"""Done under a workout: log it as planned in one tap, or exercise by exercise in shorthand.

    d:<plan> ─▶ DONE_MENU   the workout's buttons become As planned · Enter sets · Back
                 ├─ As planned ─▶ every planned set logged; "How did it feel?"        (end)
                 │    with rep ranges, asked once first: the top of each range, inside
                 │    them (their middle, rounded down) or fell short (─▶ Enter sets)
                 ├─ Back ───────▶ the workout's own buttons again                      (end)
                 └─ Enter sets ─▶ DONE_SETS   one prompt per exercise:
                       typed shorthand (core.shorthand), As planned or Skip ─▶ the next
                       shorthand that does not read ─▶ an example; the same exercise again
                       after the last ─▶ logged; "How did it feel?"                    (end)
                       Cancel ─▶ nothing logged                                         (end)

The draft (``user_data["done"]``, persisted with the dialog state) holds the plan, what each
exercise asked for and the sets so far, so a restart carries on at the same exercise. The
rating buttons under a logged workout (``f:<log>:<rating>``) need no dialog: they check the
log is the caller's and set its rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, cast

from telegram import Message, Update
from telegram.ext import ConversationHandler

import usecases
from adapters.telegram import markup
from bot.handlers import texts
from bot.handlers.common import (
    answer_expired,
    button_id,
    callback_query,
    db,
    decoded,
    member,
    pressed,
    reply,
    set_buttons,
)
from bot.handlers.context import Context
from bot.handlers.drafts import DoneDraft
from bot.handlers.states import State
from bot.handlers.steps import Step, choose_one
from chat.callbacks import Kind
from chat.keyboards import (
    Rows,
    done_exercise_keyboard,
    done_menu_keyboard,
    done_range_keyboard,
    feel_keyboard,
    workout_keyboard,
)
from core.domain import Units
from core.shorthand import Planned, Point, SetDone, ShorthandError, as_planned, parse_sets

__all__ = [
    "DRAFT",
    "draft",
    "exercise_pressed",
    "finish",
    "fresh",
    "menu_pressed",
    "next_exercise",
    "rate_button",
    "say",
    "sets_typed",
    "start",
]

DRAFT: Final = "done"

Done = list[tuple[str, tuple[SetDone, ...]]]


def draft(context: Context) -> DoneDraft:
    """The Done draft in user_data (empty when no Done is open)."""
    return context.drafts.setdefault(DRAFT, DoneDraft())


def fresh(to_log: usecases.ToLog, message_id: int) -> DoneDraft:
    """The draft: JSON only (it is persisted), one row per exercise."""
    return {
        "plan_id": to_log.plan_id,
        "title": to_log.title,
        "units": to_log.units.value,
        "message_id": message_id,
        "index": 0,
        "items": [
            (
                i.name,
                i.reps,
                i.planned.sets,
                i.planned.reps,
                i.planned.seconds,
                i.planned.weight,
                i.planned.reps_high,
            )
            for i in to_log.exercises
        ],
        "done": [],
    }


def _item(state: DoneDraft, index: int) -> tuple[str, str, Planned]:
    row = state["items"][index]
    name, reps, sets, planned_reps, seconds, weight = row[:6]
    high = row[6] if len(row) > 6 else None  # a draft from before the rep range's top
    planned = Planned(
        sets=int(sets),
        reps=planned_reps,
        seconds=seconds,
        weight=weight,
        units=_units(state),
        reps_high=high,
    )
    return str(name), str(reps), planned


def _units(state: DoneDraft) -> Units:
    return Units(state["units"])


def _record(state: DoneDraft, sets: Sequence[SetDone]) -> None:
    state["done"].append([(s.reps, s.weight_kg, s.duration_s) for s in sets])
    state["index"] = len(state["done"])


def _done(state: DoneDraft) -> Done:
    done: Done = []
    for (name, *_), sets in zip(state["items"], state["done"], strict=False):
        done.append((str(name), tuple(SetDone(r, w, d) for r, w, d in sets)))
    return done


def _exercise_keyboard(state: DoneDraft) -> Rows:
    """The buttons under the current exercise's prompt (Top of the range for a range)."""
    planned = _item(state, state["index"])[2]
    return done_exercise_keyboard(planned.reps_high if planned.ranged else None)


def _prompt(state: DoneDraft) -> str:
    index = state["index"]
    name, reps, planned = _item(state, index)
    return texts.set_prompt(index + 1, len(state["items"]), name, reps, planned)


async def _restore_buttons(update: Update, plan_id: int) -> None:
    """The workout's own buttons back under it (the Done menu is over)."""
    message = callback_query(update).message
    if isinstance(message, Message):
        await set_buttons(message, workout_keyboard(plan_id))


async def say(update: Update, html: str, *, edit: bool, keyboard: Rows | None = None) -> Message:
    """Edit the pressed message into ``html``, or send it as a new one."""
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message):
        edited = await query.message.edit_text(html, reply_markup=markup(keyboard))
        return edited if isinstance(edited, Message) else query.message
    return await reply(update, html, keyboard)


async def finish(update: Update, context: Context, state: DoneDraft, *, edit: bool) -> int:
    """Log what was done (unless nothing was) and ask how it felt."""
    done = _done(state)
    context.drop_drafts(DRAFT)
    if not any(sets for _, sets in done):
        await say(update, texts.NOTHING_LOGGED, edit=edit)
        return ConversationHandler.END
    log_id = await db(context, usecases.log_done, member(update), state["plan_id"], done)
    if log_id is None:
        await say(update, texts.NOT_FOUND, edit=edit)
        return ConversationHandler.END
    text = texts.logged_text(state["title"], done, _units(state))
    await say(update, text, edit=edit, keyboard=feel_keyboard(log_id))
    return ConversationHandler.END


async def next_exercise(update: Update, context: Context, state: DoneDraft, *, edit: bool) -> int:
    """The next exercise's prompt, or the end."""
    if state["index"] >= len(state["items"]):
        return await finish(update, context, state, edit=edit)
    sent = await say(update, _prompt(state), edit=edit, keyboard=_exercise_keyboard(state))
    state["message_id"] = sent.message_id
    return State.DONE_SETS


async def start(update: Update, context: Context) -> Step:
    """Done under a workout: the Done menu in place of its buttons."""
    query = callback_query(update)
    plan_id = await button_id(query, Kind.DONE)
    if plan_id is None:
        return None
    message = query.message
    if not isinstance(message, Message):
        await answer_expired(query)
        return None
    to_log = await db(context, usecases.plan_to_log, member(update), plan_id)
    if to_log is None:
        await query.answer(texts.NOT_FOUND)
        return None
    await query.answer(texts.DONE_PICK)
    context.drop_drafts("workout", "profile")  # another dialog's draft: that dialog is left
    context.drafts[DRAFT] = fresh(to_log, message.message_id)
    await set_buttons(message, done_menu_keyboard())
    return State.DONE_MENU


async def _current(update: Update, context: Context) -> tuple[DoneDraft, str] | None:
    """The draft and the pressed value, or None (answered) for a button of an old message."""
    return await pressed(update, draft(context), "plan_id")


_POINTS: Final[dict[str, Point]] = {"top": "top", "middle": "middle"}
"""The Done menu's answers to "as planned, where in the ranges?"."""


def _ranged(state: DoneDraft) -> bool:
    """Some exercise of the plan asks for a rep range ("8-10")."""
    return any(_item(state, i)[2].ranged for i in range(len(state["items"])))


@choose_one(_current, ("all", "sets", "back", "top", "middle", "short"))
async def menu_pressed(update: Update, context: Context, state: DoneDraft, value: str) -> Step:
    """As planned, Enter sets or Back; with rep ranges, As planned asks once where in them
    the sets were (the top, inside, or short of them: entered set by set)."""
    if value == "all" and _ranged(state):
        message = callback_query(update).message
        if isinstance(message, Message):
            await set_buttons(message, done_range_keyboard())
        return State.DONE_MENU
    await _restore_buttons(update, state["plan_id"])
    if value == "back":
        context.drop_drafts(DRAFT)
        return ConversationHandler.END
    if value in ("all", *_POINTS):
        point = _POINTS.get(value, "bottom")
        for index in range(len(state["items"])):
            _record(state, as_planned(_item(state, index)[2], point))
        return await finish(update, context, state, edit=False)
    return await next_exercise(update, context, state, edit=False)


@choose_one(
    _current,
    ("plan", "top", "skip", "cancel"),
    still_open=lambda state: state["index"] < len(state["items"]),
)
async def exercise_pressed(update: Update, context: Context, state: DoneDraft, value: str) -> Step:
    """As planned (the bottom of a range), Top of the range, Skip or Cancel under one
    exercise's prompt."""
    if value == "cancel":
        context.drop_drafts(DRAFT)
        await say(update, texts.LOG_CANCELLED, edit=True)
        return ConversationHandler.END
    planned = _item(state, state["index"])[2]
    if value == "skip":
        _record(state, ())
    else:
        _record(state, as_planned(planned, "top" if value == "top" else "bottom"))
    return await next_exercise(update, context, state, edit=True)


async def sets_typed(update: Update, context: Context) -> Step:
    """The sets of the current exercise, typed; shorthand that does not read is asked again."""
    message = update.effective_message
    state = draft(context)
    if message is None or message.text is None or "plan_id" not in state:
        return None
    if state["index"] >= len(state["items"]):
        return await finish(update, context, state, edit=False)
    planned = _item(state, state["index"])[2]
    try:
        sets = parse_sets(message.text, planned)
    except ShorthandError as exc:
        again = await reply(
            update, texts.sets_reprompt(exc.part, planned), _exercise_keyboard(state)
        )
        state["message_id"] = again.message_id
        return None
    _record(state, sets)
    return await next_exercise(update, context, state, edit=False)


async def rate_button(update: Update, context: Context) -> None:
    """How it felt, under a logged workout: only the caller's own log."""
    query = callback_query(update)
    data = await decoded(query, Kind.RATE)
    if data is None or data.id is None or data.rating is None:
        return
    log_id, rating = data.id, data.rating
    rated = await db(
        context, usecases.rate_log, member(update), log_id, cast(usecases.Rating, rating)
    )
    if not rated:
        await query.answer(texts.NOT_FOUND)
        return
    await query.answer(texts.RATED)
    message = query.message
    if isinstance(message, Message) and message.text is not None:
        await message.edit_text(texts.rated_text(message.text_html, rating))
