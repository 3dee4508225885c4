"""Workout requests, their plans and their AI-call logs: the rows and the queries.

A request's state is moved only by usecases/lifecycle.py, under ``lock_request``; the
functions here write everything else and read. Two guarantees hold even without the lock:
one request per idempotency key, one plan per request (both backed by UNIQUE constraints:
the row is inserted unless one with the same key exists, in one statement, and the existing
one is read only then, ``_insert_new``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from core.coaches import coach_by_key
from core.domain import ACTIVE_STATES, Equipment, Focus, RequestState, WorkoutType
from core.models import Profile, Workout, WorkoutRequest
from core.recovery import WINDOW, logged_work, readiness, tired_groups
from db.history import recent_history
from db.models import AIGenerationLog, User, WorkoutPlan, WorkoutRequestRow, utcnow
from db.progress import sets_since
from db.progression import load_targets
from db.users import profile_of

if TYPE_CHECKING:  # the pipeline is only needed for the type; db does not run it
    from core.pipeline import AIAttempt

__all__ = [
    "IDEMPOTENCY_KEY_LENGTH",
    "RESPONSE_TEXT_LIMIT",
    "active_request_for_user",
    "add_generation_logs",
    "count_by_state",
    "count_requests_since",
    "counted_request_times",
    "create_request",
    "find_request_by_key",
    "get_request",
    "latest_request_for_user",
    "lock_request",
    "make_idempotency_key",
    "save_plan",
    "set_placeholder",
    "stale_requests",
    "to_generation_request",
]

RESPONSE_TEXT_LIMIT = 4000
IDEMPOTENCY_KEY_LENGTH = 128

Row = TypeVar("Row", WorkoutRequestRow, WorkoutPlan)


def make_idempotency_key(*parts: str | int) -> str:
    """A key from what makes a request unique: ``make_idempotency_key("tg", chat, message)``.

    Parts are joined with ":"; a key longer than the column is replaced by a hash of it.
    """
    key = ":".join(str(p) for p in parts)
    if not parts or not key:
        raise ValueError("an idempotency key needs at least one non-empty part")
    if len(key) <= IDEMPOTENCY_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _by_key(session: Session, key: str) -> WorkoutRequestRow | None:
    return session.scalar(select(WorkoutRequestRow).where(WorkoutRequestRow.idempotency_key == key))


def find_request_by_key(session: Session, idempotency_key: str) -> WorkoutRequestRow | None:
    """The request made with this idempotency key, if any."""
    return _by_key(session, idempotency_key)


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
    avoid: Iterable[str] = (),
    focus: Focus | None = None,
) -> WorkoutRequestRow:
    """A new queued request, or the existing one with the same idempotency key.

    ``avoid``: exercise names the workout should not use (a Regenerate passes the previous
    plan's). ``ValueError`` for an unknown coach or workout type (nothing is written then).
    """
    values = {
        "user_id": user_id,
        "chat_id": chat_id,
        "message_id": message_id,
        "coach": coach_by_key(coach).key,
        "workout_type": WorkoutType(workout_type),
        "duration_min": duration_min,
        "equipment": sorted({Equipment(e).value for e in equipment}),
        "idempotency_key": idempotency_key,
        "avoid_exercises": list(dict.fromkeys(avoid)) or None,
        "focus": focus.value if focus is not None and focus is not Focus.FULL_BODY else None,
    }
    row = _insert_new(session, WorkoutRequestRow, values, "idempotency_key")
    return row if row is not None else _existing(_by_key(session, idempotency_key))


def _insert_new(
    session: Session,
    entity: type[Row],
    values: dict[str, Any],
    unique: str,
) -> Row | None:
    """Insert a row of ``entity`` unless one with the same ``unique`` column's value exists
    (then None), in one statement: ``INSERT ... ON CONFLICT DO NOTHING RETURNING``. A read
    first and a SAVEPOINT around the insert (for two transactions racing) took three more
    round trips on each Generate's way to the chat: the request's row in the bot, the plan
    in the worker. The conflict is rare (a retried update, a redelivered job): only then is
    the existing row read."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(entity)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[unique])
        .returning(entity)
    )
    return session.scalars(statement).one_or_none()


def _existing(row: Row | None) -> Row:
    """The row that made an insert a conflict (committed before this transaction read)."""
    if row is None:  # the insert conflicted on it, so it exists: unreachable unless a bug
        raise RuntimeError("an insert conflicted with a row that cannot be read")
    return row


def get_request(session: Session, request_id: int) -> WorkoutRequestRow | None:
    """The request with this id."""
    return session.get(WorkoutRequestRow, request_id)


def lock_request(
    session: Session, request_id: int, *, with_profile: bool = False
) -> WorkoutRequestRow | None:
    """The request, freshly read and locked until the transaction ends; ``with_profile``:
    its user and their profile read in the same statement (what a claim's
    ``to_generation_request`` reads first: two round trips less), only the request locked.

    ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the transaction already holds the
    database's write lock (see db/session.py), so a plain read is just as exclusive.
    """
    statement = (
        select(WorkoutRequestRow)
        .where(WorkoutRequestRow.id == request_id)
        .with_for_update(of=WorkoutRequestRow)
        .execution_options(populate_existing=True)
    )
    if with_profile:
        statement = statement.options(joinedload(WorkoutRequestRow.user).joinedload(User.profile))
    return session.scalar(statement)


def set_placeholder(session: Session, request_id: int, message_id: int) -> None:
    """Remember the chat message the worker will edit into the workout."""
    row = session.get(WorkoutRequestRow, request_id)
    if row is None:
        raise LookupError(f"no request {request_id}")
    row.message_id = message_id


def active_request_for_user(session: Session, user_id: uuid.UUID) -> WorkoutRequestRow | None:
    """The user's newest request still queued or generating, if any."""
    return session.scalar(
        select(WorkoutRequestRow)
        .where(WorkoutRequestRow.user_id == user_id, WorkoutRequestRow.state.in_(ACTIVE_STATES))
        .order_by(WorkoutRequestRow.created_at.desc(), WorkoutRequestRow.id.desc())
        .limit(1)
    )


def latest_request_for_user(session: Session, user_id: uuid.UUID) -> WorkoutRequestRow | None:
    """The user's newest request, in any state ("same as last time")."""
    return session.scalar(
        select(WorkoutRequestRow)
        .where(WorkoutRequestRow.user_id == user_id)
        .order_by(WorkoutRequestRow.created_at.desc(), WorkoutRequestRow.id.desc())
        .limit(1)
    )


def _plan_of(session: Session, request_id: int) -> WorkoutPlan | None:
    return session.scalar(select(WorkoutPlan).where(WorkoutPlan.request_id == request_id))


def save_plan(
    session: Session, row: WorkoutRequestRow, workout: Workout, source: str, model: str | None
) -> WorkoutPlan:
    """Store the request's plan; an existing plan is returned unchanged. (Marking the request
    generated is the lifecycle's: ``usecases.lifecycle.generated``.)"""
    values = {
        "request_id": row.id,
        "user_id": row.user_id,
        "workout": workout.model_dump(mode="json"),
        "source": source,
        "model": model,
        "estimated_minutes": round(workout.estimated_minutes, 2),
    }
    plan = _insert_new(session, WorkoutPlan, values, "request_id")
    return plan if plan is not None else _existing(_plan_of(session, row.id))


def _review(attempt: AIAttempt) -> dict[str, Any] | None:
    """The generation log's record of the repairs, the score's misses and the grounding
    (exercises renamed to the catalogue's names, those it does not know); None: nothing."""
    if not (attempt.repairs or attempt.misses or attempt.renamed or attempt.unmatched):
        return None
    return {
        "repairs": [{"kind": r.kind, "what": r.what} for r in attempt.repairs],
        "misses": list(attempt.misses),
        "renamed": list(attempt.renamed),
        "unmatched": list(attempt.unmatched),
    }


def add_generation_logs(session: Session, request_id: int, attempts: Iterable[AIAttempt]) -> None:
    """One log row per AI call; the raw answer is cut to ``RESPONSE_TEXT_LIMIT`` characters."""
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
                response_text=a.response_text[:RESPONSE_TEXT_LIMIT] if a.response_text else None,
                score=a.score,
                review=_review(a),
            )
        )
    session.flush()


def to_generation_request(
    session: Session, row: WorkoutRequestRow, history_limit: int = 5
) -> WorkoutRequest:
    """What the pipeline needs: the request, the user's profile, their recent workouts and
    the next loads of the lifts they logged (double progression)."""
    # Through the row, which keeps it: the session holds what it loaded weakly, and a user
    # read on its own was read again by each later look (three SELECTs of one row).
    user = row.user
    profile = profile_of(user)
    if profile is None:
        profile = Profile(name=user.name, units=user.units)
    return WorkoutRequest(
        coach=row.coach,
        workout_type=row.workout_type,
        duration_min=row.duration_min,
        equipment=frozenset(Equipment(e) for e in row.equipment),
        profile=profile,
        history=tuple(
            recent_history(session, row.user_id, limit=history_limit, exclude_request_id=row.id)
        ),
        progression=load_targets(session, row.user_id, profile),
        avoid=tuple(str(name) for name in row.avoid_exercises or ()),
        tired=tired_muscles(session, row.user_id, utcnow()),
        focus=Focus.of(row.focus),
    )


def tired_muscles(session: Session, user_id: uuid.UUID, now: dt.datetime) -> frozenset[str]:
    """The user's muscle groups still recovering at ``now`` (core/recovery.py)."""
    work = logged_work(sets_since(session, user_id, now - WINDOW))
    return tired_groups(readiness(work, now)) if work else frozenset()


def renew_claims(session: Session, claims: dict[int, str]) -> set[int]:
    """Restart the lease of each claim in ``claims`` (request id -> holder) that still holds
    its request (generating, claimed by that holder); the ids renewed."""
    if not claims:
        return set()
    renewed = session.execute(
        update(WorkoutRequestRow)
        .where(
            WorkoutRequestRow.id.in_(list(claims)),
            WorkoutRequestRow.state == RequestState.GENERATING,
            WorkoutRequestRow.claimed_by.in_(set(claims.values())),
        )
        .values(generating_since=utcnow())
        .returning(WorkoutRequestRow.id, WorkoutRequestRow.claimed_by)
        .execution_options(synchronize_session=False)
    ).all()
    return {row_id for row_id, by in renewed if claims.get(row_id) == by}


def stale_requests(
    session: Session, *, generating_older_than: dt.timedelta, queued_older_than: dt.timedelta
) -> list[int]:
    """Ids of requests generating, or queued, for longer than the given ages; oldest first."""
    now = utcnow()
    generating = and_(
        WorkoutRequestRow.state == RequestState.GENERATING,
        WorkoutRequestRow.generating_since < now - generating_older_than,
    )
    queued = and_(
        WorkoutRequestRow.state == RequestState.QUEUED,
        WorkoutRequestRow.created_at < now - queued_older_than,
    )
    return list(
        session.scalars(
            select(WorkoutRequestRow.id)
            .where(or_(generating, queued))
            .order_by(WorkoutRequestRow.id)
        )
    )


def count_requests_since(session: Session, user_id: uuid.UUID, since: dt.datetime) -> int:
    """How many requests the user made at or after ``since`` (for rate limits)."""
    count = session.scalar(
        select(func.count())
        .select_from(WorkoutRequestRow)
        .where(WorkoutRequestRow.user_id == user_id, WorkoutRequestRow.created_at >= since)
    )
    return int(count or 0)


def counted_request_times(
    session: Session, user_id: uuid.UUID, since: dt.datetime, limit: int
) -> list[dt.datetime]:
    """When the user's requests since ``since`` that count against a limit were made, newest
    first, at most ``limit`` of them.

    A request that failed before any worker started it (the queue was down, the placeholder
    could not be sent) cost nothing and is not counted: an outage must not use up the
    person's allowance as they press Try again.
    """
    wasted = and_(WorkoutRequestRow.state == RequestState.FAILED, WorkoutRequestRow.attempts == 0)
    return list(
        session.scalars(
            select(WorkoutRequestRow.created_at)
            .where(
                WorkoutRequestRow.user_id == user_id,
                WorkoutRequestRow.created_at >= since,
                ~wasted,
            )
            .order_by(WorkoutRequestRow.created_at.desc())
            .limit(limit)
        )
    )


def count_by_state(session: Session) -> dict[str, int]:
    """How many requests are in each state (states with none are left out); for metrics."""
    rows = session.execute(
        select(WorkoutRequestRow.state, func.count()).group_by(WorkoutRequestRow.state)
    )
    return {str(state): int(count) for state, count in rows}


def holds_claim(session: Session, request_id: int, message_id: str) -> bool:
    """Whether queue message ``message_id`` still holds request ``request_id`` (generating,
    claimed by it). A plain read, no lock: for frames, which only need to stop showing once
    another message has taken the request over."""
    row = session.execute(
        select(WorkoutRequestRow.state, WorkoutRequestRow.claimed_by).where(
            WorkoutRequestRow.id == request_id
        )
    ).one_or_none()
    return row is not None and row.state is RequestState.GENERATING and row.claimed_by == message_id
