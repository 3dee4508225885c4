"""Workout requests through their states, their plans and their AI-call logs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain import Equipment, WorkoutType
from core.models import Profile, Workout, WorkoutRequest
from core.pipeline import AIAttempt
from db.history import recent_history
from db.models import AIGenerationLog, User, WorkoutPlan, WorkoutRequestRow, utcnow
from db.users import load_profile

__all__ = [
    "ACTIVE_STATES",
    "active_request_for_user",
    "add_generation_logs",
    "count_requests_since",
    "create_request",
    "get_request",
    "lock_request",
    "mark_delivered",
    "mark_failed",
    "mark_generating",
    "save_plan",
    "set_placeholder",
    "stale_requests",
    "to_generation_request",
]

ACTIVE_STATES = ("queued", "generating")
RESPONSE_TEXT_LIMIT = 4000


def create_request(
    session: Session,
    *,
    user_id: uuid.UUID,
    coach: str,
    workout_type: WorkoutType,
    duration_min: int,
    equipment: Iterable[Equipment],
    idempotency_key: str,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> WorkoutRequestRow:
    """A new queued request, or the existing one with the same idempotency key."""
    existing = session.scalar(
        select(WorkoutRequestRow).where(WorkoutRequestRow.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    row = WorkoutRequestRow(
        user_id=user_id,
        chat_id=chat_id,
        message_id=message_id,
        coach=coach,
        workout_type=WorkoutType(workout_type).value,
        duration_min=duration_min,
        equipment=sorted(Equipment(e).value for e in equipment),
        idempotency_key=idempotency_key,
        state="queued",
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same key, written by someone else a moment ago
        found = session.scalar(
            select(WorkoutRequestRow).where(WorkoutRequestRow.idempotency_key == idempotency_key)
        )
        if found is None:
            raise
        return found
    return row


def get_request(session: Session, request_id: int) -> WorkoutRequestRow | None:
    return session.get(WorkoutRequestRow, request_id)


def lock_request(session: Session, request_id: int) -> WorkoutRequestRow | None:
    """The request, locked until the transaction ends (FOR UPDATE; SQLite locks the file)."""
    return session.scalar(
        select(WorkoutRequestRow)
        .where(WorkoutRequestRow.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def set_placeholder(session: Session, request_id: int, message_id: int) -> None:
    row = session.get(WorkoutRequestRow, request_id)
    if row is not None:
        row.message_id = message_id


def active_request_for_user(session: Session, user_id: uuid.UUID) -> WorkoutRequestRow | None:
    """The user's request still queued or generating, if any."""
    return session.scalar(
        select(WorkoutRequestRow)
        .where(WorkoutRequestRow.user_id == user_id, WorkoutRequestRow.state.in_(ACTIVE_STATES))
        .order_by(WorkoutRequestRow.created_at.desc())
        .limit(1)
    )


def mark_generating(session: Session, row: WorkoutRequestRow) -> None:
    row.state = "generating"
    row.attempts += 1
    row.generating_since = utcnow()


def save_plan(
    session: Session, row: WorkoutRequestRow, workout: Workout, source: str, model: str | None
) -> WorkoutPlan:
    """Store the plan and mark the request generated; an existing plan is kept as is."""
    plan = session.scalar(select(WorkoutPlan).where(WorkoutPlan.request_id == row.id))
    if plan is None:
        plan = WorkoutPlan(
            request_id=row.id,
            user_id=row.user_id,
            workout=workout.model_dump(mode="json"),
            source=source,
            model=model,
            estimated_minutes=round(workout.estimated_minutes, 2),
        )
        session.add(plan)
    row.state = "generated"
    row.failure_reason = None
    session.flush()
    return plan


def add_generation_logs(session: Session, request_id: int, attempts: Iterable[AIAttempt]) -> None:
    """One log row per AI call."""
    for a in attempts:
        session.add(
            AIGenerationLog(
                request_id=request_id,
                model=a.model[:64],
                latency_ms=a.latency_ms,
                input_tokens=a.input_tokens,
                output_tokens=a.output_tokens,
                cache_read_tokens=a.cache_read_tokens,
                cache_write_tokens=a.cache_write_tokens,
                outcome=a.outcome,
                error=a.error,
                response_text=(a.response_text or None) and a.response_text[:RESPONSE_TEXT_LIMIT],
            )
        )


def mark_delivered(session: Session, row: WorkoutRequestRow, message_ids: list[int]) -> None:
    row.state = "delivered"
    row.delivered_message_ids = list(message_ids)
    row.delivered_at = utcnow()


def mark_failed(session: Session, row: WorkoutRequestRow, reason: str) -> None:
    row.state = "failed"
    row.failure_reason = reason[:2000]


def to_generation_request(
    session: Session, row: WorkoutRequestRow, history_limit: int = 5
) -> WorkoutRequest:
    """What the pipeline needs: the request, the user's profile and recent workouts."""
    user = session.get(User, row.user_id)
    profile = load_profile(session, row.user_id)
    if profile is None:
        profile = Profile(units=user.units if user else "kg")  # type: ignore[arg-type]
    return WorkoutRequest(
        coach=row.coach,
        workout_type=WorkoutType(row.workout_type),
        duration_min=row.duration_min,
        equipment=frozenset(Equipment(e) for e in row.equipment),
        profile=profile,
        history=tuple(
            recent_history(session, row.user_id, limit=history_limit, exclude_request_id=row.id)
        ),
    )


def stale_requests(
    session: Session, *, generating_older_than: dt.timedelta, queued_older_than: dt.timedelta
) -> list[int]:
    """Ids of requests stuck generating or queued for longer than the given ages."""
    now = utcnow()
    rows = session.scalars(
        select(WorkoutRequestRow.id).where(
            or_(
                (WorkoutRequestRow.state == "generating")
                & (WorkoutRequestRow.generating_since < now - generating_older_than),
                (WorkoutRequestRow.state == "queued")
                & (WorkoutRequestRow.created_at < now - queued_older_than),
            )
        )
    )
    return list(rows)


def count_requests_since(session: Session, user_id: uuid.UUID, since: dt.datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(WorkoutRequestRow)
            .where(WorkoutRequestRow.user_id == user_id, WorkoutRequestRow.created_at >= since)
        )
        or 0
    )
