"""Live sessions' rows (usecases/live.py has the rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from db.models import LiveSession, WorkoutLogSet
from db.workoutlogs import LoggedSet, log_workout

__all__ = [
    "active_sessions",
    "add_set",
    "claim_due_rests",
    "create_live",
    "end_all",
    "lock_live",
    "next_set_number",
]


def create_live(
    session: Session,
    *,
    user_id: uuid.UUID,
    plan_id: int,
    chat_id: int,
    title: str,
    position: dict[str, Any],
) -> LiveSession:
    """A new active session with its (empty) workout log; ``plan_id`` must be the user's."""
    log = log_workout(session, user_id=user_id, plan_id=plan_id)
    row = LiveSession(
        user_id=user_id,
        plan_id=plan_id,
        log_id=log.id,
        chat_id=chat_id,
        title=title[:120],
        position=position,
    )
    session.add(row)
    session.flush()
    return row


def active_sessions(session: Session, user_id: uuid.UUID) -> list[LiveSession]:
    """The user's active sessions, locked (normally none or one)."""
    query = (
        select(LiveSession)
        .where(LiveSession.user_id == user_id, LiveSession.active)
        .order_by(LiveSession.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def lock_live(session: Session, live_id: int) -> LiveSession | None:
    """The session row, locked until the transaction ends (one tap at a time)."""
    return session.scalar(select(LiveSession).where(LiveSession.id == live_id).with_for_update())


def next_set_number(session: Session, log_id: int, exercise_name: str) -> int:
    """The number the exercise's next set gets in the log (1 for its first)."""
    numbers = session.scalars(
        select(WorkoutLogSet.set_number).where(
            WorkoutLogSet.log_id == log_id, WorkoutLogSet.exercise_name == exercise_name[:80]
        )
    )
    return max(numbers, default=0) + 1


def add_set(session: Session, log_id: int, done: LoggedSet) -> None:
    """One more set in the session's log."""
    session.add(
        WorkoutLogSet(
            log_id=log_id,
            exercise_name=done.exercise_name[:80],
            set_number=done.set_number,
            reps=done.reps,
            weight_kg=done.weight_kg,
            duration_s=done.duration_s,
        )
    )
    session.flush()


def claim_due_rests(
    session: Session, now: dt.datetime, *, requeue_before: dt.datetime, limit: int
) -> list[LiveSession]:
    """Active sessions whose rest is over and not yet handed to the ringing actor (or handed
    before ``requeue_before``: its message was lost), soonest first, locked; rows another
    scheduler holds are skipped (``FOR UPDATE SKIP LOCKED``)."""
    query = (
        select(LiveSession)
        .where(
            LiveSession.active,
            LiveSession.rest_until <= now,
            or_(LiveSession.rest_queued_at.is_(None), LiveSession.rest_queued_at < requeue_before),
        )
        .order_by(LiveSession.rest_until)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def end_all(session: Session, user_id: uuid.UUID) -> None:
    """Mark every active session of the user over (a new Start replaces them)."""
    session.execute(
        update(LiveSession)
        .where(LiveSession.user_id == user_id, LiveSession.active)
        .values(active=False, rest_until=None, rest_queued_at=None)
    )
