"""/profile: level, goals, equipment, coach, units, limitations; then the saved profile.

The whole dialog edits one message in place; a typed answer (limitations) moves it to a new
message. Under the saved profile, a button per field reopens just that step
(``pf:edit:<field>``), which saves and shows the profile again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

from telegram import Update
from telegram.ext import ConversationHandler

import usecases
from bot.handlers import texts
from bot.handlers.common import (
    answer_expired,
    callback_query,
    db,
    edit_or_send,
    member,
    pressed,
    reply,
)
from bot.handlers.context import Context
from bot.handlers.drafts import ProfileDraft
from bot.handlers.states import State
from bot.handlers.steps import Step, choose_one, toggle_many
from chat.callbacks import dialog_value
from chat.keyboards import (
    PROFILE_FIELDS,
    Rows,
    coach_keyboard,
    equipment_keyboard,
    goals_keyboard,
    level_keyboard,
    limitations_keyboard,
    profile_edit_keyboard,
    units_keyboard,
)
from core.coaches import COACHES
from core.domain import (
    TOGGLED_EQUIPMENT,
    FitnessLevel,
    Goal,
    Units,
    toggled_values,
    with_bodyweight,
)
from core.models import Profile

__all__ = [
    "DRAFT",
    "coach_chosen",
    "draft",
    "edit_field",
    "equipment_toggled",
    "goal_toggled",
    "level_chosen",
    "limitations_skipped",
    "limitations_typed",
    "start",
    "units_chosen",
]

DRAFT: Final = "profile"
_LEVELS = frozenset(level.value for level in FitnessLevel)
_GOALS = frozenset(g.value for g in Goal)
_EQUIPMENT = frozenset(e.value for e in TOGGLED_EQUIPMENT)
_UNITS = frozenset(u.value for u in Units)
LIMITATIONS_LIMIT = 500
STATE_OF = {
    "level": State.PROFILE_LEVEL,
    "goals": State.PROFILE_GOALS,
    "equipment": State.PROFILE_EQUIPMENT,
    "coach": State.PROFILE_COACH,
    "units": State.PROFILE_UNITS,
    "limitations": State.PROFILE_LIMITATIONS,
}


def draft(context: Context) -> ProfileDraft:
    """The /profile draft in user_data (empty when no /profile is open)."""
    return context.drafts.setdefault(DRAFT, ProfileDraft())


def _fresh(profile: Profile | None, mode: Literal["full", "single"]) -> ProfileDraft:
    base = profile or Profile()
    return {
        "mode": mode,
        "level": base.level.value,
        "goals": [g.value for g in base.goals],
        "equipment": toggled_values(base.equipment),
        "coach": base.preferred_coach,
        "units": base.units.value,
        "limitations": base.limitations,
    }


def _prompt(field: str, state: ProfileDraft) -> tuple[str, Rows]:
    step = ""
    if state["mode"] == "full":
        step = f"<b>Step {PROFILE_FIELDS.index(field) + 1}/{len(PROFILE_FIELDS)}</b> · "
    prompts: dict[str, Callable[[], tuple[str, Rows]]] = {
        "level": lambda: (f"{step}How would you describe your fitness level?", level_keyboard()),
        "goals": lambda: (
            f"{step}What are your goals? Tap to select (✅), then <b>Done</b>.",
            goals_keyboard(state["goals"]),
        ),
        "equipment": lambda: (
            f"{step}What equipment do you usually have? Tap to select (✅), then <b>Done</b>. "
            "Bodyweight is always included.",
            equipment_keyboard("pf", state["equipment"]),
        ),
        "coach": lambda: (
            f"{step}Who should coach you by default?\n\n{texts.coach_list(state['coach'])}",
            coach_keyboard("pf", state["coach"]),
        ),
        "units": lambda: (f"{step}Weights in kg or lb?", units_keyboard()),
        "limitations": lambda: (
            f"{step}Any injuries or limitations I should know about? Type them in a message, "
            "or tap <b>Skip</b>.",
            limitations_keyboard(),
        ),
    }
    return prompts[field]()


async def _show(update: Update, state: ProfileDraft, field: str, *, edit: bool) -> State:
    text, keyboard = _prompt(field, state)
    state["message_id"] = await edit_or_send(update, text, keyboard, edit=edit)
    return STATE_OF[field]


async def _finish(update: Update, context: Context, state: ProfileDraft, *, edit: bool) -> int:
    who = member(update)
    chosen_goals = set(state["goals"])
    profile = Profile(
        name=who.name,
        level=FitnessLevel(state["level"]),
        goals=tuple(g for g in Goal if g.value in chosen_goals),
        equipment=with_bodyweight(state["equipment"]),
        preferred_coach=state["coach"],
        units=Units(state["units"]),
        limitations=state["limitations"],
    )
    saved = await db(context, usecases.save_profile, who, profile)
    await edit_or_send(update, texts.profile_text(saved), profile_edit_keyboard(), edit=edit)
    context.drop_drafts(DRAFT)
    return ConversationHandler.END


async def _next(
    update: Update, context: Context, state: ProfileDraft, done: str, *, edit: bool
) -> int:
    if state["mode"] == "single" or done == PROFILE_FIELDS[-1]:
        return await _finish(update, context, state, edit=edit)
    following = PROFILE_FIELDS[PROFILE_FIELDS.index(done) + 1]
    return await _show(update, state, following, edit=edit)


async def start(update: Update, context: Context) -> int:
    """/profile: start at the level, prefilled with the saved profile."""
    saved = await db(context, usecases.load_profile, member(update))
    context.drop_drafts("workout")
    state = context.drafts[DRAFT] = _fresh(saved, "full")
    return await _show(update, state, PROFILE_FIELDS[0], edit=False)


async def edit_field(update: Update, context: Context) -> int | None:
    """A button under the saved profile: change that one field."""
    query = callback_query(update)
    field = dialog_value(query.data)
    if field not in STATE_OF:
        await answer_expired(query)
        return None
    await query.answer()
    saved = await db(context, usecases.load_profile, member(update))
    context.drop_drafts("workout")
    state = context.drafts[DRAFT] = _fresh(saved, "single" if saved else "full")
    return await _show(update, state, field if saved else PROFILE_FIELDS[0], edit=True)


async def _current(update: Update, context: Context) -> tuple[ProfileDraft, str] | None:
    """The draft and the pressed value, or None (answered) for a button of an old message."""
    return await pressed(update, draft(context), "mode")


@choose_one(_current, _LEVELS)
async def level_chosen(update: Update, context: Context, state: ProfileDraft, level: str) -> Step:
    """A level button."""
    state["level"] = level
    return await _next(update, context, state, "level", edit=True)


@toggle_many(
    _current,
    _GOALS,
    lambda state: state["goals"],
    goals_keyboard,
    at_least_one="Pick at least one goal.",
)
async def goal_toggled(update: Update, context: Context, state: ProfileDraft) -> Step:
    """A goal toggle, or Done."""
    return await _next(update, context, state, "goals", edit=True)


@toggle_many(
    _current,
    _EQUIPMENT,
    lambda state: state["equipment"],
    lambda chosen: equipment_keyboard("pf", chosen),
)
async def equipment_toggled(update: Update, context: Context, state: ProfileDraft) -> Step:
    """An equipment toggle, or Done."""
    return await _next(update, context, state, "equipment", edit=True)


@choose_one(_current, COACHES, answer=lambda key: f"{COACHES[key].key} it is!")
async def coach_chosen(update: Update, context: Context, state: ProfileDraft, key: str) -> Step:
    """A coach button."""
    state["coach"] = COACHES[key].key
    return await _next(update, context, state, "coach", edit=True)


@choose_one(_current, _UNITS)
async def units_chosen(update: Update, context: Context, state: ProfileDraft, units: str) -> Step:
    """kg or lb."""
    state["units"] = units
    return await _next(update, context, state, "units", edit=True)


@choose_one(_current, ("skip",))
async def limitations_skipped(
    update: Update, context: Context, state: ProfileDraft, _: str
) -> Step:
    """Skip: no limitations."""
    state["limitations"] = None
    return await _next(update, context, state, "limitations", edit=True)


async def limitations_typed(update: Update, context: Context) -> Step:
    """Limitations as free text (kept as typed, shown escaped)."""
    message = update.effective_message
    state = draft(context)
    if message is None or not message.text or "mode" not in state:
        return None
    text = message.text.strip()
    if len(text) > LIMITATIONS_LIMIT:
        await reply(update, texts.LIMITATIONS_TOO_LONG)
        return None
    state["limitations"] = text
    return await _next(update, context, state, "limitations", edit=False)
