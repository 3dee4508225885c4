"""Past workouts: the /history pages, one stored plan, recent workouts for the generator.

Every read of a plan by id takes the owner's user id too, so a stale or forged button can
never show another user's workout.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.domain import Equipment, Focus, RequestState, WorkoutType
from core.models import HistoryItem, Workout
from db.models import WorkoutPlan, WorkoutRequestRow

__all__ = [
    "PlanSummary",
    "StoredPlan",
    "count_plans",
    "get_plan",
    "get_plan_for_request",
    "list_plans",
    "recent_history",
    "stored_plan",
]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """One line of /history."""

    plan_id: int
    request_id: int
    created_at: dt.datetime
    """When the plan was saved, UTC."""
    coach: str
    """The coach's key, e.g. "MAX"."""
    workout_type: WorkoutType
    duration_min: int
    """The requested duration (the plan's own estimate is in the workout)."""
    title: str
    """The workout's title, as the AI or the generator wrote it (not escaped)."""


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A saved plan with what it was made for."""

    plan_id: int
    request_id: int
    user_id: uuid.UUID
    """The owner."""
    created_at: dt.datetime
    """When the plan was saved, UTC."""
    coach: str
    workout_type: WorkoutType
    duration_min: int
    """The requested duration."""
    source: str
    """How it was made: ai, rule_based or fallback."""
    model: str | None
    """The AI model asked, None for a rule-based plan."""
    workout: Workout
    equipment: frozenset[Equipment] = frozenset()
    """The equipment the request had (what a swap may use)."""
    focus: Focus | None = None
    """The split's day the request asked for, if any."""


def stored_plan(plan: WorkoutPlan, request: WorkoutRequestRow) -> StoredPlan:
    """A plan and its request row as the rest of the code sees them (a plan in hand, just
    saved say, needs no read back)."""
    return StoredPlan(
        plan_id=plan.id,
        request_id=request.id,
        user_id=plan.user_id,
        created_at=plan.created_at,
        coach=request.coach,
        workout_type=request.workout_type,
        duration_min=request.duration_min,
        source=plan.source,
        model=plan.model,
        workout=Workout.model_validate(plan.workout),
        equipment=frozenset(Equipment(e) for e in request.equipment),
        focus=Focus.of(request.focus),
    )


def _joined() -> Select[WorkoutPlan, WorkoutRequestRow]:
    return select(WorkoutPlan, WorkoutRequestRow).join(
        WorkoutRequestRow, WorkoutRequestRow.id == WorkoutPlan.request_id
    )


def recent_history(
    session: Session, user_id: uuid.UUID, limit: int = 5, exclude_request_id: int | None = None
) -> list[HistoryItem]:
    """The user's latest workouts, newest first, for the generator to avoid repeats."""
    query = (
        _joined()
        .where(WorkoutPlan.user_id == user_id)
        .order_by(WorkoutPlan.created_at.desc(), WorkoutPlan.id.desc())
        .limit(limit)
    )
    if exclude_request_id is not None:
        query = query.where(WorkoutPlan.request_id != exclude_request_id)
    items: list[HistoryItem] = []
    for plan, request in session.execute(query):
        exercises = tuple(e["name"] for e in plan.workout.get("exercises", []))
        items.append(
            HistoryItem(
                date=plan.created_at.date(),
                coach=request.coach,
                workout_type=request.workout_type,
                duration_min=request.duration_min,
                exercises=exercises,
            )
        )
    return items


def list_plans(
    session: Session, user_id: uuid.UUID, *, offset: int, limit: int
) -> list[PlanSummary]:
    """One page of the user's plans, newest first."""
    query = (
        _joined()
        .where(WorkoutPlan.user_id == user_id)
        .order_by(WorkoutPlan.created_at.desc(), WorkoutPlan.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    )
    return [
        PlanSummary(
            plan_id=plan.id,
            request_id=request.id,
            created_at=plan.created_at,
            coach=request.coach,
            workout_type=request.workout_type,
            duration_min=request.duration_min,
            title=str(plan.workout.get("title", "")),
        )
        for plan, request in session.execute(query)
    ]


def count_plans(session: Session, user_id: uuid.UUID) -> int:
    """How many plans the user has."""
    return int(
        session.scalar(
            select(func.count()).select_from(WorkoutPlan).where(WorkoutPlan.user_id == user_id)
        )
        or 0
    )


def get_plan(session: Session, plan_id: int, *, user_id: uuid.UUID) -> StoredPlan | None:
    """The plan if it belongs to ``user_id``; None for anyone else's or a missing one."""
    row = session.execute(
        _joined().where(WorkoutPlan.id == plan_id, WorkoutPlan.user_id == user_id)
    ).first()
    return stored_plan(*row) if row else None


def get_plan_for_request(session: Session, request_id: int) -> StoredPlan | None:
    """The plan made for a request (for the worker and the CLI, which own the request)."""
    row = session.execute(_joined().where(WorkoutPlan.request_id == request_id)).first()
    return stored_plan(*row) if row else None


def latest_delivered_plan_id(session: Session, user_id: uuid.UUID) -> int | None:
    """The id of the user's newest plan that reached the chat (a typed log is of it)."""
    query = (
        select(WorkoutPlan.id)
        .join(WorkoutRequestRow, WorkoutRequestRow.id == WorkoutPlan.request_id)
        .where(WorkoutPlan.user_id == user_id, WorkoutRequestRow.state == RequestState.DELIVERED)
        .order_by(WorkoutPlan.created_at.desc(), WorkoutPlan.id.desc())
        .limit(1)
    )
    return session.scalar(query)
