"""The weekly review's use case: on the user's Sunday evening, the week in the coach's voice.

A ``review`` due row per plan (usecases/schedule.py plans it, and the next after each);
its actor calls ``send_review``, which composes the week (core.review: done against
planned, volume, the week's records, what changes next week) and sends it once, through
the bulk tier like the reminders, then plans next week's.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from sqlalchemy.orm import Session

from core.coaches import coach_by_key
from core.models import Profile
from core.review import PlannedDay, compose_review, render_review
from core.schedule import zone_of
from db import progress as db_progress
from db import progression as db_progression
from db import schedule as db_schedule
from db import users as db_users
from db.models import ScheduledJob, TrainingPlan, User
from usecases.schedule import DueKind, Scheduling, plan_review, send_due, skip_row

__all__ = ["send_review"]

log = logging.getLogger(__name__)


def _open_review(
    session: Session, job_id: int, now: dt.datetime, window: dt.timedelta
) -> tuple[ScheduledJob, TrainingPlan, User] | None:
    """The locked review row, its plan and user when it is to be sent now; None (closed as
    needed) otherwise."""
    job = db_schedule.lock_job(session, job_id)
    if job is None or job.kind != DueKind.REVIEW or job.status not in ("pending", "queued"):
        return None
    if job.fire_at > now + dt.timedelta(seconds=5):
        job.status = "pending"
        return None
    plan = db_schedule.lock_plan(session, job.plan_id) if job.plan_id is not None else None
    user = session.get(User, job.user_id)
    if plan is None or user is None or not plan.active:
        job.status, job.note, job.done_at = "skipped", "plan off", now
        return None
    if now - job.fire_at > window:
        skip_row(session, job, "late", now)
        return None
    if user.blocked or user.chat_id is None:
        skip_row(session, job, "blocked", now)
        return None
    return job, plan, user


def _review_text(session: Session, job: ScheduledJob, plan: TrainingPlan, user: User) -> str | None:
    """The week's review in the coach's voice; None for a week with nothing planned or done."""
    zone = zone_of(plan.time_zone)
    end_local = job.fire_at.astimezone(zone)
    monday = end_local.date() - dt.timedelta(days=end_local.weekday())
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    def days(first: dt.date, last: dt.date) -> list[PlannedDay]:
        rows = db_schedule.sessions_between(session, plan.id, first, last)
        return [PlannedDay(r.local_date, r.status) for r in rows]

    week = days(monday, end_local.date())
    history = days(monday - dt.timedelta(weeks=3), monday - dt.timedelta(days=1))
    logged = db_progress.logged_sessions(session, user.id)
    profile = db_users.load_profile(session, user.id) or Profile(units=user.units)
    targets = db_progression.load_targets(session, user.id, profile)
    review = compose_review(start, job.fire_at, week, logged, targets, history)
    if review.planned == 0 and review.done == 0:
        return None
    rng = random.Random(job.id)  # the same words if it is ever rendered again
    return render_review(review, coach_by_key(plan.coach), user.units, rng)


def send_review(sch: Scheduling, job_id: int) -> None:
    """Send the week's review (once), then plan next week's."""
    now = sch.clock()
    with sch.sessions.begin() as session:
        opened = _open_review(session, job_id, now, sch.late_window)
        if opened is None:
            return
        job, plan, user = opened
        text = _review_text(session, job, plan, user)
        if text is None:
            skip_row(session, job, "empty week", now)
            return
        job.status = "sending"
        chat_id, user_id, fire_at = user.chat_id, user.id, job.fire_at
    assert chat_id is not None  # _open_review checked
    message_id = send_due(
        sch, job_id, user_id, chat_id, text, None, now, what="review", fire_at=fire_at
    )
    if message_id is None:
        return
    with sch.sessions.begin() as session:
        sent = db_schedule.lock_job(session, job_id)
        if sent is None or sent.status != "sending":
            return
        sent.status, sent.done_at = "done", now
        plan_row = db_schedule.lock_plan(session, plan.id)
        if plan_row is not None:
            plan_review(session, plan_row, max(sent.fire_at, now))
