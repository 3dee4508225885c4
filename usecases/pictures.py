"""How-to pictures under a workout: which exercises have one, and one exercise's card.

Both look up the caller's own plan first (``usecases.plans.plan_for``): a button never
shows another user's plan. The picture button carries the exercise's ``name_check``, so a
button from before a swap shows nothing rather than the wrong exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from chat.callbacks import name_check
from core.catalogue import load_catalogue
from core.pictures import PictureCard, entry_for, picture_card, pictured
from usecases.plans import plan_for
from usecases.profile import Member, Sessions

__all__ = ["PictureOutcome", "PictureStatus", "exercise_picture", "pictured_exercises"]


class PictureStatus(Enum):
    """What a picture button found."""

    SHOWN = "shown"
    NOT_FOUND = "not_found"
    """No such plan of the caller's (or no such exercise)."""
    STALE = "stale"
    """The exercise at that place changed since the button was made (a swap)."""
    NO_PICTURE = "no_picture"


@dataclass(frozen=True, slots=True)
class PictureOutcome:
    """The answer to a picture button."""

    status: PictureStatus
    card: PictureCard | None = None
    """The photo to send when ``SHOWN``."""


def pictured_exercises(
    sessions: Sessions, who: Member, plan_id: int
) -> tuple[tuple[int, str], ...] | None:
    """(index, name) of the caller's plan's exercises that have a picture; None when the
    plan is not theirs."""
    view = plan_for(sessions, who, plan_id)
    if view is None:
        return None
    return tuple(pictured(view.plan.workout, load_catalogue()))


def exercise_picture(
    sessions: Sessions, who: Member, plan_id: int, index: int, check: str, url_prefix: str
) -> PictureOutcome:
    """The picture card of exercise ``index`` of the caller's plan, whose name must still
    match ``check``; photos' URLs start with ``url_prefix``."""
    view = plan_for(sessions, who, plan_id)
    if view is None or not 0 <= index < len(view.plan.workout.exercises):
        return PictureOutcome(PictureStatus.NOT_FOUND)
    exercise = view.plan.workout.exercises[index]
    if name_check(exercise.name) != check:
        return PictureOutcome(PictureStatus.STALE)
    entry = entry_for(exercise, load_catalogue())
    if entry is None:
        return PictureOutcome(PictureStatus.NO_PICTURE)
    return PictureOutcome(PictureStatus.SHOWN, picture_card(exercise, entry, url_prefix))
