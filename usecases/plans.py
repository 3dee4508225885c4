"""Looking back at stored plans and changing them: /history, one plan, Swap.

Ownership is checked here: a plan that is not the caller's is reported as not found,
whatever id arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from chat.callbacks import name_check
from core.domain import Units
from core.models import Profile
from core.swap import swap_exercise, swap_options
from db import history as db_history
from db import plans as db_plans
from db import users as db_users
from db.history import PlanSummary, StoredPlan
from usecases.profile import Member, Sessions, known_user, user_of

__all__ = [
    "HISTORY_PAGE_SIZE",
    "HistoryPage",
    "PlanView",
    "SwapChoices",
    "SwapStatus",
    "Swapped",
    "apply_swap",
    "history_page",
    "plan_for",
    "swap_choices",
]

HISTORY_PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of /history, newest first."""

    page: int
    """The page shown (0 = newest), clamped to the pages that exist."""
    total: int
    """How many plans the user has."""
    plans: tuple[PlanSummary, ...]
    """The plans on this page."""

    @property
    def has_newer(self) -> bool:
        return self.page > 0

    @property
    def has_older(self) -> bool:
        return (self.page + 1) * HISTORY_PAGE_SIZE < self.total


@dataclass(frozen=True, slots=True)
class PlanView:
    """A stored plan and the units to show it in."""

    plan: StoredPlan
    """The plan, the caller's own."""
    units: Units
    """The caller's weight units."""


def history_page(sessions: Sessions, who: Member, page: int) -> HistoryPage:
    """Page ``page`` of the caller's plans, newest first (an old page number is clamped)."""
    with sessions.begin() as session:
        user = user_of(session, who)
        total = db_history.count_plans(session, user.id)
        last = max(0, (total - 1) // HISTORY_PAGE_SIZE)
        page = min(max(page, 0), last)
        plans = db_history.list_plans(
            session, user.id, offset=page * HISTORY_PAGE_SIZE, limit=HISTORY_PAGE_SIZE
        )
        return HistoryPage(page=page, total=total, plans=tuple(plans))


def plan_for(sessions: Sessions, who: Member, plan_id: int) -> PlanView | None:
    """The caller's own plan ``plan_id`` and their units; None when it is not theirs."""
    with sessions.begin() as session:
        user = known_user(session, who)
        if user is None:
            return None
        plan = db_history.get_plan(session, plan_id, user_id=user.id)
        return PlanView(plan, user.units) if plan is not None else None


@dataclass(frozen=True, slots=True)
class SwapChoices:
    """What exercise ``index`` of a plan may be swapped for."""

    current: str
    """The exercise's name now."""
    options: tuple[str, ...]
    """The alternatives, best first (``core.swap.swap_options``); may be empty."""


def swap_choices(sessions: Sessions, who: Member, plan_id: int, index: int) -> SwapChoices | None:
    """The alternatives to exercise ``index`` of the caller's plan; None if not theirs."""
    view = plan_for(sessions, who, plan_id)
    if view is None or not 0 <= index < len(view.plan.workout.exercises):
        return None
    plan = view.plan
    options = swap_options(
        plan.workout,
        index,
        workout_type=plan.workout_type,
        equipment=plan.equipment,
    )
    return SwapChoices(plan.workout.exercises[index].name, tuple(options))


class SwapStatus(StrEnum):
    """What became of a swap button."""

    SWAPPED = "swapped"
    """The plan is changed and stored."""
    NOT_FOUND = "not_found"
    """Not the caller's plan (or no such plan)."""
    STALE = "stale"
    """The button was made for what the plan held before (an earlier swap): nothing done."""


@dataclass(frozen=True, slots=True)
class Swapped:
    """The outcome of ``apply_swap``."""

    status: SwapStatus
    before: PlanView | None = None
    """The plan as it was (for SWAPPED)."""
    after: PlanView | None = None
    """The plan as stored now (for SWAPPED)."""
    old_name: str = ""
    new_name: str = ""
    message_ids: tuple[int, ...] = ()
    """The messages the plan was delivered in, in order (empty if unknown)."""


def apply_swap(
    sessions: Sessions, who: Member, plan_id: int, index: int, choice: int, check: str
) -> Swapped:
    """Swap exercise ``index`` of the caller's plan for alternative ``choice`` and store it.

    ``check`` (``chat.callbacks.name_check``) must name the exercise at ``index`` now, and the
    alternatives are worked out again under the plan's row lock, so a stale button does
    nothing rather than the wrong thing.
    """
    with sessions.begin() as session:
        user = known_user(session, who)
        plan = None if user is None else db_plans.lock_plan(session, plan_id, user_id=user.id)
        if user is None or plan is None:
            return Swapped(SwapStatus.NOT_FOUND)
        exercises = plan.workout.exercises
        if not 0 <= index < len(exercises) or name_check(exercises[index].name) != check:
            return Swapped(SwapStatus.STALE)
        equipment = plan.equipment  # core.swap adds bodyweight itself
        options = swap_options(
            plan.workout, index, workout_type=plan.workout_type, equipment=equipment
        )
        if not 0 <= choice < len(options):
            return Swapped(SwapStatus.STALE)
        profile = db_users.load_profile(session, user.id)
        units = user.units
        workout = swap_exercise(
            plan.workout,
            index,
            options[choice],
            workout_type=plan.workout_type,
            equipment=equipment,
            level=(profile or Profile()).level,
            units=units,
        )
        db_plans.replace_workout(session, plan_id, workout)
        return Swapped(
            SwapStatus.SWAPPED,
            before=PlanView(plan, units),
            after=PlanView(replace(plan, workout=workout), units),
            old_name=exercises[index].name,
            new_name=options[choice],
            message_ids=db_plans.delivered_messages(session, plan.request_id),
        )
