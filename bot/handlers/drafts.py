"""The dialogs' drafts: what /profile, /workout and Done have gathered so far, in user_data.

user_data is stored as JSON with the dialog state (bot.persistence) and read back after a
restart or a new release, so a draft holds JSON values only, under a key that never changes,
in a shape the next release still reads. Each draft is a TypedDict over the plain dict PTB
keeps (nothing is converted on the way in or out); ``total=False`` because a draft starts
empty (``{}``) until its dialog fills it, and a dialog's buttons check for a key only a
begun draft has (common.pressed). Tuples come back from the database as lists; the code only
unpacks them.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "DoneDraft",
    "DraftName",
    "PlanDraft",
    "PlannedRow",
    "ProfileDraft",
    "SetRow",
    "UserData",
    "WorkoutDraft",
]

DraftName = Literal["profile", "workout", "done", "plan"]
"""The keys of user_data, one per dialog."""


class ProfileDraft(TypedDict, total=False):
    """/profile (bot/handlers/profile.py): the profile being edited, as enum values."""

    message_id: int
    """The dialog's current message: only its buttons count (common.is_current)."""
    mode: Literal["full", "single"]
    """Every step in turn, or the one field picked under the saved profile."""
    level: str
    goals: list[str]
    equipment: list[str]
    """What the user picked, without bodyweight (core.domain.toggled_values)."""
    coach: str
    units: str
    limitations: str | None


class WorkoutDraft(TypedDict, total=False):
    """/workout (bot/handlers/workout.py): the choices so far, as enum values."""

    message_id: int
    """The dialog's current message: only its buttons count (common.is_current)."""
    coach: str
    type: str | None
    duration: int | None
    """Minutes."""
    equipment: list[str]
    """What the user picked, without bodyweight (core.domain.toggled_values)."""
    has_profile: bool
    """False: the defaults are used, and the first step says so."""
    equipment_known: bool
    """True: the equipment came with a typed request (stated, the profile's, the last
    request's), so its step is not asked; absent in a /workout begun by buttons."""
    typed: bool
    """True: the dialog began with a typed request (the summary says how to change it)."""
    editing: bool
    """True: a field is being changed from the summary's buttons; its step leads back to
    the summary."""


PlannedRow = (
    tuple[str, str, int, int | None, int | None, float | None]
    | tuple[str, str, int, int | None, int | None, float | None, int | None]
)
"""One exercise to log: name, the plan's reps text, then core.shorthand.Planned's sets, reps,
seconds, weight and (since the "as planned" fix) the top of the rep range; a draft persisted
before that has six fields."""
SetRow = tuple[int | None, float | None, int | None]
"""One set done: core.shorthand.SetDone's reps, weight in kg and seconds."""


class DoneDraft(TypedDict, total=False):
    """Done under a workout (bot/handlers/done.py): the plan and the sets logged so far."""

    plan_id: int
    title: str
    units: str
    """The user's weight unit (core.domain.Units)."""
    message_id: int
    """The dialog's current message: only its buttons count (common.is_current)."""
    index: int
    """The exercise being asked for."""
    items: list[PlannedRow]
    done: list[list[SetRow]]
    """The sets of each exercise so far (none: skipped)."""


class PlanDraft(TypedDict, total=False):
    """/plan (bot/handlers/plan.py): the week being set up or the plan being changed."""

    message_id: int
    """The dialog's current message: only its buttons count (common.is_current)."""
    mode: Literal["full", "single"]
    """Every step in turn, or the one field picked under the week."""
    days: list[str]
    """Weekdays "0" (Monday) to "6"."""
    time: str
    """"HH:MM", local."""
    zone: str
    """An IANA zone name."""
    length: int
    """Minutes."""
    coach: str
    kind: str
    """A workout type's or a split's value."""


class UserData(TypedDict, total=False):
    """user_data: the draft of the open dialog (starting one drops the others' drafts)."""

    profile: ProfileDraft
    workout: WorkoutDraft
    done: DoneDraft
    plan: PlanDraft
