"""What progression needs from the logs: the loaded sets of the user's latest sessions.

One query: the user's last ``sessions`` workout logs, their loaded sets, and for each log
the plan's exercises (for the rep range each lift was planned in). The plan's JSON is
fetched once per log, on its first set's row, not once per set. The rules themselves are
pure and live in ``core.progression``.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, null, select
from sqlalchemy.orm import Session

from core.models import ExerciseTarget, Profile
from core.progression import LoggedExercise, LoggedSetData, targets_from_logs
from db.models import WorkoutLog, WorkoutLogSet, WorkoutPlan

__all__ = ["SESSIONS", "load_logged_exercises", "load_targets"]

SESSIONS = 12
"""Logged workouts looked at: enough for three sessions of each of a few rotating lifts."""


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _planned_reps(exercises: Any) -> dict[str, str]:
    """Exercise name (normalised) -> the plan's reps text, from a stored plan's exercises."""
    if not isinstance(exercises, list):
        return {}
    found: dict[str, str] = {}
    for item in exercises:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            found.setdefault(_key(item["name"]), str(item.get("reps") or ""))
    return found


@functools.cache
def _logged_query() -> Select[Any]:
    """The query, built once: the user and the number of sessions are bound at execution
    (building it took ~0.5 ms of the worker's CPU per request)."""
    user_id = bindparam("user_id", type_=WorkoutLog.user_id.type)
    recent = (
        select(
            WorkoutLog.id,
            WorkoutLog.performed_at,
            WorkoutLog.rating,
            WorkoutLog.rpe,
            WorkoutLog.plan_id,
        )
        .where(WorkoutLog.user_id == user_id)
        .order_by(WorkoutLog.performed_at.desc(), WorkoutLog.id.desc())
        .limit(bindparam("sessions", type_=Integer))
        .subquery()
    )
    sets = (
        select(
            recent,
            WorkoutLogSet.id.label("set_id"),
            WorkoutLogSet.exercise_name,
            WorkoutLogSet.reps,
            WorkoutLogSet.weight_kg,
            WorkoutLogSet.rpe.label("set_rpe"),
            func.row_number()
            .over(partition_by=recent.c.id, order_by=WorkoutLogSet.id)
            .label("nth"),
        )
        .join(WorkoutLogSet, WorkoutLogSet.log_id == recent.c.id)
        .where(WorkoutLogSet.weight_kg.is_not(None), WorkoutLogSet.reps.is_not(None))
        .subquery()
    )
    plan_exercises = WorkoutPlan.workout["exercises"]
    return (
        select(sets, case((sets.c.nth == 1, plan_exercises), else_=null()).label("planned"))
        .outerjoin(
            WorkoutPlan,
            and_(WorkoutPlan.id == sets.c.plan_id, WorkoutPlan.user_id == user_id),
        )
        .order_by(sets.c.performed_at.desc(), sets.c.id.desc(), sets.c.set_id)
    )


def load_logged_exercises(
    session: Session, user_id: uuid.UUID, sessions: int = SESSIONS
) -> list[LoggedExercise]:
    """The loaded exercises of the user's last ``sessions`` logged workouts, newest first."""
    query = _logged_query()
    grouped: dict[tuple[int, str], dict[str, Any]] = {}
    planned: dict[int, dict[str, str]] = {}
    for row in session.execute(query, {"user_id": user_id, "sessions": sessions}):
        if row.nth == 1:
            planned[row.id] = _planned_reps(row.planned)
        entry = grouped.setdefault(
            (row.id, _key(row.exercise_name)),
            {"row": row, "sets": []},
        )
        entry["sets"].append(LoggedSetData(reps=row.reps, weight_kg=row.weight_kg, rpe=row.set_rpe))
    return [
        LoggedExercise(
            name=entry["row"].exercise_name,
            performed_at=entry["row"].performed_at,
            sets=tuple(entry["sets"]),
            rating=entry["row"].rating,
            session_rpe=entry["row"].rpe,
            planned_reps=planned.get(log_id, {}).get(name),
        )
        for (log_id, name), entry in grouped.items()
    ]


def load_targets(
    session: Session, user_id: uuid.UUID, profile: Profile, sessions: int = SESSIONS
) -> tuple[ExerciseTarget, ...]:
    """The user's progression targets (``core.progression``) from their latest logs."""
    return targets_from_logs(load_logged_exercises(session, user_id, sessions), profile)
