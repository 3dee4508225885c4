"""Completed workouts: what the user did and how it felt.

Weights are stored in kg whatever the user's units; converting is the caller's job (see
``core.domain.Units.per_kg``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import WorkoutLog, WorkoutLogSet, WorkoutPlan, utcnow

__all__ = ["LoggedSet", "Rating", "log_workout", "rate_workout", "recent_logs"]

Rating = Literal["too_easy", "just_right", "too_hard"]


@dataclass(frozen=True, slots=True)
class LoggedSet:
    """One set as the user did it."""

    exercise_name: str
    set_number: int
    """1 for the first set of this exercise."""
    reps: int | None = None
    weight_kg: float | None = None
    duration_s: int | None = None
    """For timed sets (planks, intervals)."""
    rpe: float | None = None
    """Rate of perceived exertion, 1-10."""


def log_workout(
    session: Session,
    *,
    user_id: uuid.UUID,
    plan_id: int | None = None,
    performed_at: dt.datetime | None = None,
    rating: Rating | None = None,
    rpe: float | None = None,
    notes: str | None = None,
    sets: Iterable[LoggedSet] = (),
) -> WorkoutLog:
    """Record a completed workout; ``plan_id`` must be one of the user's own plans."""
    if plan_id is not None:
        owner = session.scalar(select(WorkoutPlan.user_id).where(WorkoutPlan.id == plan_id))
        if owner != user_id:
            raise LookupError(f"plan {plan_id} is not a plan of user {user_id}")
    log = WorkoutLog(
        user_id=user_id,
        plan_id=plan_id,
        performed_at=performed_at or utcnow(),
        rating=rating,
        rpe=rpe,
        notes=notes,
        sets=[
            WorkoutLogSet(
                exercise_name=s.exercise_name[:80],
                set_number=s.set_number,
                reps=s.reps,
                weight_kg=s.weight_kg,
                duration_s=s.duration_s,
                rpe=s.rpe,
            )
            for s in sets
        ],
    )
    session.add(log)
    session.flush()
    return log


def rate_workout(session: Session, log_id: int, *, user_id: uuid.UUID, rating: Rating) -> bool:
    """Say how a logged workout felt; False when the log is not one of the user's."""
    log = session.get(WorkoutLog, log_id)
    if log is None or log.user_id != user_id:
        return False
    log.rating = rating
    session.flush()
    return True


def recent_logs(session: Session, user_id: uuid.UUID, limit: int = 10) -> list[WorkoutLog]:
    """The user's latest logged workouts with their sets, newest first."""
    return list(
        session.scalars(
            select(WorkoutLog)
            .where(WorkoutLog.user_id == user_id)
            .options(selectinload(WorkoutLog.sets))
            .order_by(WorkoutLog.performed_at.desc(), WorkoutLog.id.desc())
            .limit(limit)
        )
    )
