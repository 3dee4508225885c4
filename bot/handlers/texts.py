"""What the bot says: every message as Telegram HTML, user-supplied strings escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from core.coaches import COACHES, DEFAULT_COACH, Coach
from core.domain import Equipment, WorkoutType
from core.models import MAX_DURATION, MIN_DURATION, Profile
from db.history import PlanSummary

__all__ = [
    "BUSY",
    "CANCELLED",
    "COMMANDS",
    "DURATION_REPROMPT",
    "EXPIRED",
    "HELP",
    "LIMITATIONS_TOO_LONG",
    "NOTHING_TO_CANCEL",
    "NOT_ALLOWED",
    "NOT_FOUND",
    "NOT_UNDERSTOOD",
    "SLOW_DOWN",
    "SOMETHING_WRONG",
    "SOMETHING_WRONG_SHORT",
    "TAP_A_BUTTON",
    "coach_list",
    "equipment_names",
    "generation_limit",
    "greeting",
    "history_line",
    "history_text",
    "profile_text",
    "queue_down_reason",
    "workout_summary",
]

COMMANDS = (
    ("start", "Say hello and get started"),
    ("profile", "Set up your level, goals, equipment and coach"),
    ("workout", "Get a new workout"),
    ("history", "Your past workouts"),
    ("help", "What I can do"),
    ("cancel", "Leave the current dialog"),
)
"""The command menu registered with Telegram, and the lines of /help."""

HELP = "<b>What I can do</b>\n" + "\n".join(f"/{name} · {what}" for name, what in COMMANDS)
EXPIRED = "This button has expired."
NOT_FOUND = "Workout not found."
CANCELLED = "Cancelled. Start again any time with /workout or /profile."
NOTHING_TO_CANCEL = "There is nothing to cancel. Try /workout or /help."
NOT_UNDERSTOOD = "I work with commands: /workout for a new workout, /help for the rest."
TAP_A_BUTTON = "Please tap one of the buttons above, or /cancel."
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again, or /cancel."
SOMETHING_WRONG_SHORT = "Something went wrong."
BUSY = "You already have a workout on the way. I'll post it here as soon as it's ready."
DURATION_REPROMPT = (
    f"Send a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}, or tap a button."
)
LIMITATIONS_TOO_LONG = "Please keep it under 500 characters."
SLOW_DOWN = "Easy there, that's a lot at once! I'll skip a few. Give me a moment, then carry on."
NOT_ALLOWED = (
    "Sorry, this FlexFlow coach is private: it only trains the people its owner has invited."
)


def greeting(name: str | None, has_profile: bool) -> str:
    """/start, in the default coach's voice."""
    coach = DEFAULT_COACH
    who = f", {escape(name)}" if name else ""
    next_step = (
        "Ready when you are: /workout."
        if has_profile
        else "Tell me about you with /profile, or jump straight into a /workout."
    )
    return (
        f"{coach.emoji} <b>{coach.key}</b> here. Welcome to FlexFlow{who}!\n"
        "I write your workouts, you lift. Pick a coach, a type, a duration and what you have "
        "at hand, and a full plan lands here seconds later.\n\n"
        f"{next_step}"
    )


def coach_list(first: str | None = None) -> str:
    """One line per coach: emoji, name, tagline."""
    keys = sorted(COACHES, key=lambda key: key != first)
    return "\n".join(f"{COACHES[k].emoji} <b>{k}</b>: {escape(COACHES[k].tagline)}" for k in keys)


def equipment_names(values: Iterable[str]) -> str:
    """Equipment labels, bodyweight first (it is always there)."""
    items = {Equipment(v) for v in values} | {Equipment.BODYWEIGHT}
    ordered = [e for e in Equipment if e in items]
    return ", ".join(e.label for e in ordered)


def profile_text(profile: Profile) -> str:
    """The saved profile."""
    coach = COACHES[profile.preferred_coach]
    limitations = escape(profile.limitations) if profile.limitations else "none"
    name = f" · {escape(profile.name)}" if profile.name else ""
    return (
        f"<b>Your profile</b>{name}\n"
        f"Level: {profile.level.label}\n"
        f"Goals: {', '.join(g.label for g in profile.goals)}\n"
        f"Equipment: {equipment_names(e.value for e in profile.equipment)}\n"
        f"Coach: {coach.button}\n"
        f"Units: {profile.units.label}\n"
        f"Limitations: {limitations}\n\n"
        "Tap a button to change one thing."
    )


def workout_summary(
    coach: Coach, workout_type: WorkoutType, minutes: int, equipment: Sequence[str]
) -> str:
    """The last step of /workout."""
    return (
        "<b>Your workout</b>\n"
        f"Coach: {coach.button}\n"
        f"Type: {workout_type.label}\n"
        f"Duration: {minutes} min\n"
        f"Equipment: {equipment_names(equipment)}\n\n"
        "Tap <b>Generate</b> when you're ready."
    )


def history_line(number: int, plan: PlanSummary, day: str) -> str:
    """One plan in /history: date · coach · type · minutes, and its title."""
    coach = COACHES.get(plan.coach)
    who = coach.button if coach is not None else escape(plan.coach)
    return (
        f"{number}. {day} · {who} · {plan.workout_type.label} · {plan.duration_min} min\n"
        f"    <i>{escape(plan.title)}</i>"
    )


def history_text(lines: Sequence[str], *, first: int, last: int, total: int) -> str:
    """A page of /history."""
    if total == 0:
        return "No workouts yet. Ask for your first one with /workout."
    return f"<b>Your workouts</b> ({first}–{last} of {total}, newest first)\n\n" + "\n".join(lines)


def queue_down_reason() -> str:
    """Why a Generate failed when the queue could not be reached."""
    return "I'm swamped right now. Please try again in a minute."


def generation_limit(per_hour: int, minutes: int) -> str:
    """Generate when the user has had their workouts for the hour: when the next one can start."""
    when = "in about a minute" if minutes <= 1 else f"in about {minutes} minutes"
    return (
        f"That's {per_hour} workouts in the last hour, the most I write in an hour. "
        f"Your next one can start {when}: tap /workout then."
    )
