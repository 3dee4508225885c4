"""Changing a stored plan after delivery: a swapped exercise is written back in place.

Like every read of a plan by id, the owner's user id comes along, so a forged button can
never change another user's plan. The plan row is locked (``SELECT ... FOR UPDATE``) for the
read-check-write of a swap, so two quick swaps of one plan cannot lose each other's change.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Workout
from db.history import StoredPlan, get_plan
from db.models import WorkoutPlan, WorkoutRequestRow

__all__ = ["delivered_messages", "lock_plan", "replace_workout"]


def lock_plan(session: Session, plan_id: int, *, user_id: uuid.UUID) -> StoredPlan | None:
    """The user's plan, its row locked until the transaction ends; None for anyone else's."""
    owned = session.scalar(
        select(WorkoutPlan.id)
        .where(WorkoutPlan.id == plan_id, WorkoutPlan.user_id == user_id)
        .with_for_update()
    )
    return None if owned is None else get_plan(session, plan_id, user_id=user_id)


def replace_workout(session: Session, plan_id: int, workout: Workout) -> None:
    """Store ``workout`` as the plan's (after ``lock_plan`` checked the owner)."""
    plan = session.get(WorkoutPlan, plan_id, populate_existing=True)
    if plan is None:
        raise LookupError(f"no plan {plan_id}")
    plan.workout = workout.model_dump(mode="json")
    plan.estimated_minutes = round(workout.estimated_minutes, 2)
    session.flush()


def delivered_messages(session: Session, request_id: int) -> tuple[int, ...]:
    """The chat messages a request's workout was delivered in, in order (may be empty)."""
    ids = session.scalar(
        select(WorkoutRequestRow.delivered_message_ids).where(WorkoutRequestRow.id == request_id)
    )
    return tuple(int(i) for i in ids or ())
