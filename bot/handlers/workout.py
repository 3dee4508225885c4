"""/workout: coach (preferred first), type, duration, equipment, then a summary with Generate.

Like /profile, the dialog edits one message in place; a typed duration moves it to a new
message. Without a profile the user gets the defaults (and a hint to set one up).
Generate itself is in bot/handlers/generate.py.

A typed request ("30 min hiit with ZARA, just a kettlebell", read by core.intent) opens the
same dialog with what it states filled in, the profile's coach and equipment for the rest
(or the latest request's, for "same as last time"), and asks only what is still missing,
with the usual buttons; on the summary, typing again changes the fields it states.
"""

from __future__ import annotations

import re
from html import escape
from typing import Final

from telegram import Update

import usecases
from bot.handlers import questions, texts, typedlog, words
from bot.handlers.common import db, edit_or_send, member, pressed, reply
from bot.handlers.context import Context
from bot.handlers.drafts import WorkoutDraft
from bot.handlers.states import State
from bot.handlers.steps import Step, choose_one, toggle_many
from chat.keyboards import (
    DURATIONS,
    Rows,
    coach_keyboard,
    duration_keyboard,
    equipment_keyboard,
    summary_keyboard,
    type_keyboard,
)
from core.coaches import COACHES
from core.domain import TOGGLED_EQUIPMENT, WorkoutType, toggled_values
from core.intent import Intent
from core.models import MAX_DURATION, MIN_DURATION, Profile
from core.questions import read_question

__all__ = [
    "DRAFT",
    "coach_picked",
    "draft",
    "duration_picked",
    "duration_typed",
    "equipment_toggled",
    "field_picked",
    "parse_minutes",
    "start",
    "type_picked",
    "typed_change",
    "typed_request",
]

DRAFT: Final = "workout"
_TYPES = frozenset(t.value for t in WorkoutType)
_DURATIONS = frozenset(str(m) for m in DURATIONS)
_EQUIPMENT = frozenset(e.value for e in TOGGLED_EQUIPMENT)
_MINUTES = re.compile(r"(\d{1,3})\s*(?:m|min|mins|minutes)?", re.ASCII | re.IGNORECASE)


def parse_minutes(text: str) -> int | None:
    """A typed duration ("45", "45 min") within the limits, or None for anything else."""
    match = _MINUTES.fullmatch(text.strip())
    if match is None:
        return None
    minutes = int(match.group(1))
    return minutes if MIN_DURATION <= minutes <= MAX_DURATION else None


def draft(context: Context) -> WorkoutDraft:
    """The /workout draft in user_data (empty when no /workout is open)."""
    return context.drafts.setdefault(DRAFT, WorkoutDraft())


def _fresh(profile: Profile | None) -> WorkoutDraft:
    base = profile or Profile()
    return {
        "coach": base.preferred_coach,
        "type": None,
        "duration": None,
        "equipment": toggled_values(base.equipment),
        "has_profile": profile is not None,
    }


def _prompt(step: State, state: WorkoutDraft) -> tuple[str, Rows]:
    if step is State.WORKOUT_COACH:
        hint = ""
        if not state["has_profile"]:
            hint = (
                "\n\n<i>No profile yet, so I'll assume an intermediate level and bodyweight "
                "only. Set one up any time with /profile.</i>"
            )
        text = f"Who's coaching today?\n\n{texts.coach_list(state['coach'])}{hint}"
        return text, coach_keyboard("wk", state["coach"])
    coach = COACHES[state["coach"]]
    if step is State.WORKOUT_TYPE:
        return f"{coach.button} it is. What kind of workout?", type_keyboard()
    if step is State.WORKOUT_DURATION:
        return (
            f"How long? Tap a duration or type the minutes ({MIN_DURATION}–{MAX_DURATION}).",
            duration_keyboard(),
        )
    if step is State.WORKOUT_EQUIPMENT:
        return (
            "What do you have today? Tap to toggle (✅), then <b>Done</b>. "
            "Bodyweight is always included.",
            equipment_keyboard("wk", state["equipment"]),
        )
    kind, minutes = state["type"], state["duration"]
    if kind is None or minutes is None:  # the summary comes after both
        raise ValueError("the /workout draft has no type or duration yet")
    text = texts.workout_summary(
        coach, WorkoutType(kind), minutes, state["equipment"], typed=state.get("typed", False)
    )
    return text, summary_keyboard()


def _next_step(state: WorkoutDraft) -> State:
    """The first field still missing, in dialog order (type, duration, equipment), or the
    summary; a /workout begun by buttons always asks the equipment; a field changed from
    the summary's buttons leads straight back to it."""
    if state.get("editing", False) and state["type"] is not None and state["duration"]:
        state["editing"] = False
        return State.WORKOUT_SUMMARY
    if state["type"] is None:
        return State.WORKOUT_TYPE
    if state["duration"] is None:
        return State.WORKOUT_DURATION
    if not state.get("equipment_known", False):
        return State.WORKOUT_EQUIPMENT
    return State.WORKOUT_SUMMARY


async def _show(update: Update, state: WorkoutDraft, step: State, *, edit: bool) -> State:
    text, keyboard = _prompt(step, state)
    state["message_id"] = await edit_or_send(update, text, keyboard, edit=edit)
    return step


async def start(update: Update, context: Context) -> State:
    """/workout (or the New workout button): start at the coach."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    profile = await db(context, usecases.load_profile, member(update))
    context.drop_drafts("profile")
    state = context.drafts[DRAFT] = _fresh(profile)
    return await _show(update, state, State.WORKOUT_COACH, edit=False)


async def _current(update: Update, context: Context) -> tuple[WorkoutDraft, str] | None:
    """The draft and the pressed value, or None (answered) for a button of an old message."""
    return await pressed(update, draft(context), "coach")


@choose_one(_current, COACHES)
async def coach_picked(update: Update, context: Context, state: WorkoutDraft, coach: str) -> Step:
    """A coach button."""
    state["coach"] = coach
    if state.get("editing", False):
        return await _show(update, state, _next_step(state), edit=True)
    return await _show(update, state, State.WORKOUT_TYPE, edit=True)


@choose_one(_current, _TYPES)
async def type_picked(update: Update, context: Context, state: WorkoutDraft, kind: str) -> Step:
    """A workout type button."""
    state["type"] = kind
    return await _show(update, state, _next_step(state), edit=True)


@choose_one(_current, _DURATIONS)
async def duration_picked(
    update: Update, context: Context, state: WorkoutDraft, minutes: str
) -> Step:
    """A duration button."""
    state["duration"] = int(minutes)
    return await _show(update, state, _next_step(state), edit=True)


async def duration_typed(update: Update, context: Context) -> Step:
    """A typed duration; anything but a whole number of minutes in range is re-asked."""
    message = update.effective_message
    state = draft(context)
    if message is None or message.text is None or "coach" not in state:
        return None
    minutes = parse_minutes(message.text)
    if minutes is None:
        sent = await reply(update, escape(texts.DURATION_REPROMPT), duration_keyboard())
        state["message_id"] = sent.message_id
        return None
    state["duration"] = minutes
    return await _show(update, state, _next_step(state), edit=False)


@toggle_many(
    _current,
    _EQUIPMENT,
    lambda state: state["equipment"],
    lambda chosen: equipment_keyboard("wk", chosen),
)
async def equipment_toggled(update: Update, context: Context, state: WorkoutDraft) -> Step:
    """An equipment toggle, or Done (to the summary)."""
    state["editing"] = False
    state["equipment_known"] = True
    return await _show(update, state, State.WORKOUT_SUMMARY, edit=True)


_FIELD_STEPS = {
    "coach": State.WORKOUT_COACH,
    "type": State.WORKOUT_TYPE,
    "duration": State.WORKOUT_DURATION,
    "equipment": State.WORKOUT_EQUIPMENT,
}


@choose_one(_current, _FIELD_STEPS)
async def field_picked(update: Update, context: Context, state: WorkoutDraft, field: str) -> Step:
    """A ✏️ button under the summary: that field's step, then back to the summary."""
    state["editing"] = True
    return await _show(update, state, _FIELD_STEPS[field], edit=True)


_MENTION = re.compile(r"(?<![\w@])@[A-Za-z]\w{2,}")
"""A @username (Telegram's start with a letter), never the "@100" of "3x5@100"."""


def _sentence(update: Update) -> str | None:
    """The message's text without @mentions (a group's "@bot 30 min hiit")."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    return _MENTION.sub(" ", message.text)


def _apply(state: WorkoutDraft, intent: Intent) -> None:
    """The fields ``intent`` states, over the draft's."""
    if intent.coach is not None:
        state["coach"] = intent.coach
    if intent.workout_type is not None:
        state["type"] = intent.workout_type.value
    if intent.duration_min is not None:
        state["duration"] = intent.duration_min
    if intent.equipment is not None:
        state["equipment"] = toggled_values(intent.equipment)
        state["equipment_known"] = True


def _repeat(state: WorkoutDraft, last: usecases.WorkoutChoice) -> None:
    """The latest request's fields ("same as last time")."""
    state["coach"] = last.coach
    state["type"] = last.workout_type.value
    state["duration"] = last.duration_min
    state["equipment"] = toggled_values(last.equipment)
    state["equipment_known"] = True


async def typed_request(update: Update, context: Context) -> Step:
    """A typed sentence outside any dialog: a question about an exercise is answered
    (bot/handlers/questions.py); a log of the newest workout is shown back for
    Save (bot/handlers/typedlog.py); a stated request opens /workout at the first missing
    field (or its summary); anything else gets the usual "not understood"."""
    text = _sentence(update)
    if text is None:
        return None
    question = read_question(text)
    if question is not None and question.kind != "other":
        await questions.answer(update, context, question)
        return None
    who = member(update)
    to_log = await db(context, usecases.latest_to_log, who)
    reading = typedlog.read(text, to_log) if to_log is not None else None
    if to_log is not None and reading is not None and reading.savable:
        return await typedlog.offer(update, context, to_log, reading)
    intent = await words.read_intent(update, context, text)
    if intent.empty:
        if to_log is not None and reading is not None:  # a log, but a part did not read
            return await typedlog.offer(update, context, to_log, reading)
        if question is not None and context.bot_data.words_ai is not None:
            # Any other question is Claude's to answer (from no facts: it says what it
            # helps with); without a key the pointer to the commands below says as much.
            await questions.answer(update, context, question)
            return None
        await reply(update, texts.NOT_UNDERSTOOD)
        return None
    profile = await db(context, usecases.load_profile, who)
    state = _fresh(profile)
    state["typed"] = True
    state["equipment_known"] = profile is not None  # no profile: the equipment is asked
    if intent.same_as_last:
        last = await db(context, usecases.last_choice, who)
        if last is None and len(intent.found) == 1:
            await reply(update, texts.NO_LAST_REQUEST)
            return None
        if last is None:  # what else it states still counts
            await reply(update, texts.NO_LAST_REQUEST_YET)
        else:
            _repeat(state, last)
    _apply(state, intent)
    context.drop_drafts("profile", "done")
    context.drafts[DRAFT] = state
    return await _show(update, state, _next_step(state), edit=False)


async def typed_change(update: Update, context: Context) -> Step:
    """A typed sentence on the summary: the fields it states change, and the summary (or
    the step of a field it leaves unclear) comes again; anything else: tap a button."""
    text = _sentence(update)
    state = draft(context)
    intent = await words.read_intent(update, context, text) if text is not None else Intent()
    if "coach" not in state or intent.empty or intent.same_as_last:
        await reply(update, texts.TAP_A_BUTTON)
        return None
    _apply(state, intent)
    state["typed"] = True
    return await _show(update, state, _next_step(state), edit=False)
