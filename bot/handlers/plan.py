"""/plan: the training week (days, time, time zone, length, coach, type or split), its
reminders' buttons (Start, Tomorrow, Skip), and /plan off.

The dialog edits one message in place like /profile: days as toggles with Done, a time
(a button or typed: "7", "18:30", "6pm"), a time zone (typed: a city, a zone name or a UTC
offset, core.schedule.parse_zone; a shared location, core.schedule.zone_near; or the
button for UTC), the length, the coach, then a
workout type or the split for that many days. With a plan, /plan shows the week and a
button per field; changing one saves the plan at once. Reminders' buttons carry the
session's id and are checked against the user who presses them (usecases.schedule).
"""

from __future__ import annotations

import datetime as dt
import functools
from html import escape
from typing import Final

from telegram import Message, Update
from telegram.ext import ConversationHandler

import usecases
from adapters.telegram import markup
from bot.handlers import texts
from bot.handlers.common import (
    acknowledge,
    answer_expired,
    callback_query,
    db,
    decoded,
    edit_or_send,
    member,
    pressed,
    reply,
)
from bot.handlers.context import Context
from bot.handlers.drafts import PlanDraft
from bot.handlers.generate import launch
from bot.handlers.states import State
from bot.handlers.steps import Step, choose_one, toggle_many
from chat.callbacks import Button, Kind
from chat.keyboards import CHECK, DONE, DURATIONS, Rows, coach_keyboard
from core.coaches import COACHES
from core.domain import WorkoutType
from core.schedule import DAY_NAMES, Split, parse_local_time, parse_zone, split_for, zone_near
from usecases import reminderbuttons, schedule

__all__ = ["DRAFT", "plan_command", "session_button"]

DRAFT: Final = "plan"
FIELDS = ("days", "time", "zone", "length", "coach", "kind")
"""The fields of a saved plan that can be changed one at a time, in dialog order."""
TIMES = ("06:00", "07:00", "08:00", "12:00", "18:00", "19:00")
_DAYS = frozenset(str(d) for d in range(7))
_TIMES = frozenset(TIMES)
_LENGTHS = frozenset(str(m) for m in DURATIONS)
_KINDS = frozenset([*(t.value for t in WorkoutType), *(s.value for s in Split)])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def draft(context: Context) -> PlanDraft:
    """The /plan draft in user_data (empty when no /plan is open)."""
    return context.drafts.setdefault(DRAFT, PlanDraft())


def _days_keyboard(chosen: list[str]) -> Rows:
    buttons = [
        Button(f"{CHECK} {DAY_NAMES[d]}" if str(d) in chosen else DAY_NAMES[d], f"pl:d:{d}")
        for d in range(7)
    ]
    return [buttons[:4], buttons[4:], [Button("Done", f"pl:d:{DONE}")]]


def _kind_keyboard(days: int) -> Rows:
    split = split_for(days)
    types = [Button(t.label, f"pl:k:{t.value}") for t in WorkoutType]
    return [
        [Button(f"🗓 {split.label} split", f"pl:k:{split.value}")],
        types[:3],
        types[3:],
    ]


def _prompt(step: State, state: PlanDraft) -> tuple[str, Rows]:
    if step is State.PLAN_DAYS:
        return (
            "Which days do you train? Tap to toggle (✅), then <b>Done</b>.",
            _days_keyboard(state["days"]),
        )
    if step is State.PLAN_TIME:
        rows = [
            [Button(t, f"pl:t:{t}") for t in TIMES[:3]],
            [Button(t, f"pl:t:{t}") for t in TIMES[3:]],
        ]
        return "What time? Tap one or type it (<i>7:30</i>, <i>6pm</i>).", rows
    if step is State.PLAN_ZONE:
        return (
            "Which time zone? Type your city (<i>Berlin</i>, <i>New York</i>), a zone "
            "(<i>Europe/Lisbon</i>) or a UTC offset (<i>UTC+2</i>), or share your "
            "location (📎 → Location).",
            [[Button("UTC", "pl:z:UTC")]],
        )
    if step is State.PLAN_LENGTH:
        buttons = [Button(f"{m} min", f"pl:l:{m}") for m in DURATIONS]
        return "How long is a session?", [buttons[:3], buttons[3:]]
    if step is State.PLAN_COACH:
        return "Who coaches you through the week?", coach_keyboard("pl", state.get("coach"))
    return "A split for your week, or one kind of workout?", _kind_keyboard(len(state["days"]))


_NEXT = {
    State.PLAN_DAYS: State.PLAN_TIME,
    State.PLAN_TIME: State.PLAN_ZONE,
    State.PLAN_ZONE: State.PLAN_LENGTH,
    State.PLAN_LENGTH: State.PLAN_COACH,
    State.PLAN_COACH: State.PLAN_KIND,
}
_FIELD_STEP = dict(
    zip(
        FIELDS,
        (
            State.PLAN_DAYS,
            State.PLAN_TIME,
            State.PLAN_ZONE,
            State.PLAN_LENGTH,
            State.PLAN_COACH,
            State.PLAN_KIND,
        ),
        strict=True,
    )
)


async def _show(update: Update, state: PlanDraft, step: State, *, edit: bool) -> State:
    text, keyboard = _prompt(step, state)
    state["message_id"] = await edit_or_send(update, text, keyboard, edit=edit)
    return step


def _settings(state: PlanDraft) -> schedule.PlanSettings:
    kind = state["kind"]
    split = Split(kind) if kind in {s.value for s in Split} else None
    hour, minute = (int(x) for x in state["time"].split(":"))
    return schedule.PlanSettings(
        days=tuple(sorted(int(d) for d in state["days"])),
        local_time=dt.time(hour, minute),
        time_zone=state["zone"],
        duration_min=state["length"],
        coach=state["coach"],
        workout_type=None if split else WorkoutType(kind),
        split=split,
    )


def _week_keyboard() -> Rows:
    buttons = [Button(f"✏️ {name.capitalize()}", f"pl:edit:{name}") for name in FIELDS]
    return [buttons[:3], buttons[3:]]


async def _advance(
    update: Update, context: Context, state: PlanDraft, step: State, *, edit: bool
) -> Step:
    """After ``step``: the next step, or (the last one, or changing one field) save."""
    if state.get("mode") == "single" or step is State.PLAN_KIND:
        if step is State.PLAN_DAYS and state.get("kind") in {s.value for s in Split}:
            state["kind"] = split_for(len(state["days"])).value  # the split follows the days
        save = functools.partial(schedule.save_plan, now=_now())
        view = await db(context, save, member(update), _settings(state))
        context.drop_drafts(DRAFT)
        await edit_or_send(update, view.text, _week_keyboard(), edit=edit)
        return ConversationHandler.END
    return await _show(update, state, _NEXT[step], edit=edit)


async def plan_command(update: Update, context: Context) -> Step:
    """/plan: the week and its buttons, or the dialog when there is no plan yet; /plan off."""
    who = member(update)
    args = context.args or []
    if args and args[0].lower() == "off":
        stopped = await db(context, schedule.stop_plan, who)
        await reply(update, texts.PLAN_OFF if stopped else texts.NO_PLAN_ON)
        return ConversationHandler.END
    view = await db(context, functools.partial(schedule.plan_view, now=_now()), who)
    context.drop_drafts("profile", "workout", "done")
    if view is not None and view.active:
        await reply(update, view.text, _week_keyboard())
        return ConversationHandler.END
    profile = await db(context, usecases.load_profile, who)
    state = context.drafts[DRAFT] = PlanDraft(
        days=[], coach=(profile.preferred_coach if profile else "MAX"), mode="full"
    )
    return await _show(update, state, State.PLAN_DAYS, edit=False)


async def edit_field(update: Update, context: Context) -> Step:
    """A field's button under the week: that one step, then the plan is saved."""
    query = callback_query(update)
    field = (query.data or "").removeprefix("pl:edit:")
    view = await db(context, functools.partial(schedule.plan_view, now=_now()), member(update))
    if field not in _FIELD_STEP or view is None:
        await answer_expired(query)
        return None
    await query.answer()
    s = view.settings
    state = context.drafts[DRAFT] = PlanDraft(
        days=[str(d) for d in s.days],
        time=f"{s.local_time:%H:%M}",
        zone=s.time_zone,
        length=s.duration_min,
        coach=s.coach,
        kind=(s.split or s.workout_type or WorkoutType.STRENGTH).value,
        mode="single",
    )
    return await _show(update, state, _FIELD_STEP[field], edit=True)


async def _current(update: Update, context: Context) -> tuple[PlanDraft, str] | None:
    return await pressed(update, draft(context), "days")


@toggle_many(
    _current,
    _DAYS,
    lambda state: state["days"],
    _days_keyboard,
    at_least_one="Pick at least one day.",
)
async def days_toggled(update: Update, context: Context, state: PlanDraft) -> Step:
    """A day toggle, or Done."""
    return await _advance(update, context, state, State.PLAN_DAYS, edit=True)


@choose_one(_current, _TIMES)
async def time_picked(update: Update, context: Context, state: PlanDraft, value: str) -> Step:
    """A time button."""
    state["time"] = value
    return await _advance(update, context, state, State.PLAN_TIME, edit=True)


async def time_typed(update: Update, context: Context) -> Step:
    """A typed time; anything else is asked again."""
    message, state = update.effective_message, draft(context)
    if message is None or message.text is None or "days" not in state:
        return None
    at = parse_local_time(message.text)
    if at is None:
        sent = await reply(update, texts.PLAN_TIME_REPROMPT, _prompt(State.PLAN_TIME, state)[1])
        state["message_id"] = sent.message_id
        return None
    state["time"] = f"{at:%H:%M}"
    return await _advance(update, context, state, State.PLAN_TIME, edit=False)


@choose_one(_current, frozenset({"UTC"}))
async def zone_picked(update: Update, context: Context, state: PlanDraft, value: str) -> Step:
    """The UTC button."""
    state["zone"] = value
    return await _advance(update, context, state, State.PLAN_ZONE, edit=True)


async def zone_located(update: Update, context: Context) -> Step:
    """A shared location: the zone of the nearest known place (core.schedule.zone_near)."""
    message, state = update.effective_message, draft(context)
    if message is None or message.location is None or "days" not in state:
        return None
    try:
        zone = zone_near(message.location.latitude, message.location.longitude)
    except ValueError:
        await reply(
            update, texts.plan_zone_reprompt("that place"), _prompt(State.PLAN_ZONE, state)[1]
        )
        return None
    state["zone"] = zone
    return await _advance(update, context, state, State.PLAN_ZONE, edit=False)


async def zone_typed(update: Update, context: Context) -> Step:
    """A typed city, zone or offset; anything else is asked again."""
    message, state = update.effective_message, draft(context)
    if message is None or message.text is None or "days" not in state:
        return None
    zone = parse_zone(message.text)
    if zone is None:
        text = texts.plan_zone_reprompt(escape(message.text[:40]))
        sent = await reply(update, text, _prompt(State.PLAN_ZONE, state)[1])
        state["message_id"] = sent.message_id
        return None
    state["zone"] = zone
    return await _advance(update, context, state, State.PLAN_ZONE, edit=False)


@choose_one(_current, _LENGTHS)
async def length_picked(update: Update, context: Context, state: PlanDraft, value: str) -> Step:
    """A length button."""
    state["length"] = int(value)
    return await _advance(update, context, state, State.PLAN_LENGTH, edit=True)


@choose_one(_current, COACHES)
async def coach_picked(update: Update, context: Context, state: PlanDraft, value: str) -> Step:
    """A coach button."""
    state["coach"] = value
    return await _advance(update, context, state, State.PLAN_COACH, edit=True)


@choose_one(_current, _KINDS)
async def kind_picked(update: Update, context: Context, state: PlanDraft, value: str) -> Step:
    """A split or a workout type."""
    state["kind"] = value
    return await _advance(update, context, state, State.PLAN_KIND, edit=True)


async def session_button(update: Update, context: Context) -> None:
    """Start, Tomorrow or Skip under a reminder: only the caller's own session."""
    query = callback_query(update)
    data = await decoded(query, Kind.SESSION)
    if data is None or data.id is None:
        return
    who, message = member(update), query.message
    message_id = message.message_id if isinstance(message, Message) else None
    if data.action == schedule.SessionAction.TOMORROW:
        moved = await db(
            context, functools.partial(reminderbuttons.move_session, now=_now()), who, data.id
        )
        if moved is None:
            await query.answer(texts.SESSION_NOT_FOUND)
            return
        await acknowledge(query, texts.MOVED)
        if isinstance(message, Message):
            await message.edit_text(texts.moved_to(moved.local_date), reply_markup=None)
        return
    if data.action == schedule.SessionAction.SKIP:
        if not await db(context, reminderbuttons.skip_session, who, data.id):
            await query.answer(texts.SESSION_NOT_FOUND)
            return
        await acknowledge(query, texts.SKIPPED)
        if isinstance(message, Message):
            await message.edit_text(texts.SKIPPED_TEXT, reply_markup=None)
        return
    started = await db(context, reminderbuttons.start_session, who, data.id, message_id)
    if started.status is reminderbuttons.StartStatus.NOT_FOUND:
        await query.answer(texts.SESSION_NOT_FOUND)
        return
    await acknowledge(query)
    if started.status is reminderbuttons.StartStatus.READY and isinstance(message, Message):
        parts = started.parts
        last = len(parts) - 1
        await message.edit_text(
            parts[0], reply_markup=markup(started.keyboard) if last == 0 else None
        )
        for index in range(1, len(parts)):
            await reply(
                update,
                parts[index],
                list(map(list, started.keyboard or [])) if index == last else None,
            )
    elif started.status is reminderbuttons.StartStatus.WRITING and isinstance(message, Message):
        await message.edit_text(escape(started.writing), reply_markup=None)
    elif started.choice is not None:
        summary = message if isinstance(message, Message) else None
        key = usecases.make_idempotency_key("start", data.id)
        await launch(update, context, started.choice, key, summary=summary)
