"""Training plans, their planned sessions and the scheduler's due rows: rows and queries.

``claim_due`` is the scheduler's one query: due rows oldest first, ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL (two schedulers at once take disjoint rows; SQLite has one writer
at a time and needs no lock clause). The use cases (usecases/schedule.py) decide what
becomes of each row; the functions here read and write, and never commit.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import PlannedSession, ScheduledJob, TrainingPlan

__all__ = [
    "add_review",
    "add_session",
    "claim_due",
    "drop_upcoming",
    "get_session",
    "jobs_of",
    "lock_job",
    "lock_plan",
    "lock_session",
    "plan_of_user",
    "session_of_job",
    "sessions_between",
]


def plan_of_user(
    session: Session, user_id: uuid.UUID, *, lock: bool = False
) -> TrainingPlan | None:
    """The user's plan (active or not), if they ever made one."""
    query = select(TrainingPlan).where(TrainingPlan.user_id == user_id)
    return session.scalar(query.with_for_update() if lock else query)


def lock_plan(session: Session, plan_id: int) -> TrainingPlan | None:
    """The plan, locked until the transaction ends."""
    return session.scalar(select(TrainingPlan).where(TrainingPlan.id == plan_id).with_for_update())


def get_session(session: Session, session_id: int) -> PlannedSession | None:
    """One planned session."""
    return session.get(PlannedSession, session_id)


def lock_session(session: Session, session_id: int) -> PlannedSession | None:
    """One planned session, locked until the transaction ends."""
    return session.scalar(
        select(PlannedSession)
        .where(PlannedSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # what the lock's holder wrote, not a
        # copy read earlier in this transaction
    )


def lock_job(session: Session, job_id: int) -> ScheduledJob | None:
    """One due row, locked until the transaction ends (an actor waits here while the
    scheduler that queued it has not committed yet)."""
    return session.scalar(
        select(ScheduledJob)
        .where(ScheduledJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def session_of_job(session: Session, job_id: int) -> int | None:
    """The planned session of a due row (None: none, or no such row), read without a lock
    and without loading the row (its lock is taken after the session's)."""
    return session.scalar(select(ScheduledJob.session_id).where(ScheduledJob.id == job_id))


def jobs_of(session: Session, session_id: int) -> dict[str, ScheduledJob]:
    """The due rows of a planned session, by kind."""
    rows = session.scalars(select(ScheduledJob).where(ScheduledJob.session_id == session_id))
    return {row.kind: row for row in rows}


def claim_due(
    session: Session, now: dt.datetime, *, requeue_before: dt.datetime, limit: int
) -> list[ScheduledJob]:
    """Up to ``limit`` rows to hand to their actors, oldest fire time first, locked: those
    pending and due, and those queued before ``requeue_before`` (their message was lost)."""
    due = or_(
        and_(ScheduledJob.status == "pending", ScheduledJob.fire_at <= now),
        and_(ScheduledJob.status == "queued", ScheduledJob.claimed_at <= requeue_before),
    )
    query = (
        select(ScheduledJob)
        .where(due)
        .order_by(ScheduledJob.fire_at, ScheduledJob.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def drop_upcoming(session: Session, plan_id: int) -> int:
    """Delete the plan's sessions still to come (state planned; their due rows go with
    them): the plan changed or stopped. Returns how many."""
    ids = list(
        session.scalars(
            select(PlannedSession.id).where(
                PlannedSession.plan_id == plan_id, PlannedSession.status == "planned"
            )
        )
    )
    if ids:
        # Explicitly, rather than trusting ON DELETE CASCADE: SQLite enforces it only with
        # its foreign-key pragma, and a test database may be made without it.
        session.execute(delete(ScheduledJob).where(ScheduledJob.session_id.in_(ids)))
        session.execute(delete(PlannedSession).where(PlannedSession.id.in_(ids)))
    session.execute(
        delete(ScheduledJob).where(
            ScheduledJob.plan_id == plan_id,
            ScheduledJob.kind == "review",
            ScheduledJob.status == "pending",
        )
    )
    return len(ids)


def add_review(session: Session, job: ScheduledJob) -> ScheduledJob:
    """Store a weekly review's due row unless the plan has one pending already."""
    pending = session.scalar(
        select(ScheduledJob).where(
            ScheduledJob.plan_id == job.plan_id,
            ScheduledJob.kind == "review",
            ScheduledJob.status.in_(("pending", "queued")),
        )
    )
    if pending is not None:
        return pending
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:  # the same review planned by a racing transaction
        found = session.scalar(
            select(ScheduledJob).where(
                ScheduledJob.plan_id == job.plan_id,
                ScheduledJob.kind == "review",
                ScheduledJob.fire_at == job.fire_at,
            )
        )
        if found is None:
            raise
        return found
    return job


def sessions_between(
    session: Session, plan_id: int, first: dt.date, last: dt.date
) -> list[PlannedSession]:
    """The plan's sessions on local days ``first`` to ``last``, in order."""
    return list(
        session.scalars(
            select(PlannedSession)
            .where(
                PlannedSession.plan_id == plan_id,
                PlannedSession.local_date >= first,
                PlannedSession.local_date <= last,
            )
            .order_by(PlannedSession.local_date, PlannedSession.id)
        )
    )


def add_session(
    session: Session, planned: PlannedSession, jobs: list[ScheduledJob]
) -> PlannedSession:
    """Store a planned session and its due rows; the existing one when the plan already has
    a session on that day (planned twice by two racing workers: one wins)."""
    existing = session.scalar(
        select(PlannedSession).where(
            PlannedSession.plan_id == planned.plan_id,
            PlannedSession.planned_date == planned.planned_date,
        )
    )
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(planned)
            session.flush()
            for job in jobs:
                job.session_id = planned.id
                session.add(job)
    except IntegrityError:
        found = session.scalar(
            select(PlannedSession).where(
                PlannedSession.plan_id == planned.plan_id,
                PlannedSession.planned_date == planned.planned_date,
            )
        )
        if found is None:
            raise
        return found
    return planned
