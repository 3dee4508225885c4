"""Reads of the workout log for /progress and /export, always for one user.

Plain column rows, not ORM objects: /progress reads a user's whole log (streaks and records
are all-time) and /export streams it, so nothing is loaded that is not shown. Sessions
without sets come through too (an outer join), so they count and they export.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.export import ExportRow
from core.progress import LoggedSession, SetDone
from db.models import WorkoutLog, WorkoutLogSet

__all__ = ["count_export_rows", "export_rows", "logged_sessions", "sets_since"]

_FETCH = 1000
"""Rows fetched from the server at a time while streaming."""


def logged_sessions(session: Session, user_id: uuid.UUID) -> list[LoggedSession]:
    """Every session the user logged, oldest first, with its sets."""
    query = (
        select(
            WorkoutLog.id,
            WorkoutLog.performed_at,
            WorkoutLogSet.exercise_name,
            WorkoutLogSet.reps,
            WorkoutLogSet.weight_kg,
        )
        .outerjoin(WorkoutLogSet, WorkoutLogSet.log_id == WorkoutLog.id)
        .where(WorkoutLog.user_id == user_id)
        .order_by(WorkoutLog.performed_at, WorkoutLog.id, WorkoutLogSet.id)
    )
    out: list[LoggedSession] = []
    current: int | None = None
    sets: list[SetDone] = []
    for log_id, performed_at, name, reps, weight in session.execute(query):
        if log_id != current:
            if current is not None:
                out[-1] = LoggedSession(out[-1].performed_at, tuple(sets))
            current, sets = log_id, []
            out.append(LoggedSession(performed_at))
        if name is not None:
            sets.append(SetDone(name, reps, weight))
    if current is not None:
        out[-1] = LoggedSession(out[-1].performed_at, tuple(sets))
    return out


def sets_since(
    session: Session, user_id: uuid.UUID, since: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    """Every set the user logged since ``since``: ``(exercise name, when the session was)``
    (the recovery model's input, core/recovery.py)."""
    query = (
        select(WorkoutLogSet.exercise_name, WorkoutLog.performed_at)
        .join(WorkoutLog, WorkoutLogSet.log_id == WorkoutLog.id)
        .where(WorkoutLog.user_id == user_id, WorkoutLog.performed_at >= since)
    )
    return [(name, at) for name, at in session.execute(query)]


def _export_query(user_id: uuid.UUID) -> Select[int]:
    return (
        select(WorkoutLog.id.label("workout_id"))
        .outerjoin(WorkoutLogSet, WorkoutLogSet.log_id == WorkoutLog.id)
        .where(WorkoutLog.user_id == user_id)
    )


def count_export_rows(session: Session, user_id: uuid.UUID) -> int:
    """How many rows the user's export has: one per set, one per session without sets."""
    subquery = _export_query(user_id).subquery()
    return session.scalar(select(func.count()).select_from(subquery)) or 0


def export_rows(session: Session, user_id: uuid.UUID, *, skip: int = 0) -> Iterator[ExportRow]:
    """The user's export rows, oldest first, after skipping the ``skip`` oldest; streamed
    from the server (iterate inside the transaction)."""
    query = (
        _export_query(user_id)
        .add_columns(  # labelled as ExportRow's fields
            WorkoutLog.performed_at,
            WorkoutLog.plan_id,
            WorkoutLogSet.exercise_name.label("exercise"),
            WorkoutLogSet.set_number,
            WorkoutLogSet.reps,
            WorkoutLogSet.weight_kg,
            WorkoutLogSet.duration_s,
            WorkoutLogSet.rpe,
            WorkoutLog.rpe.label("session_rpe"),
            WorkoutLog.rating,
        )
        .order_by(WorkoutLog.performed_at, WorkoutLog.id, WorkoutLogSet.id)
        .offset(skip)
    )
    for row in session.execute(query, execution_options={"yield_per": _FETCH}):
        yield ExportRow(**row._asdict())
