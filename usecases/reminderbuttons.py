"""The reminder's buttons: Start, Tomorrow and Skip on a planned session.

Each finds the session under its lock and checks it is the caller's (a forged button from
another chat finds nothing). Start hands back what to show: the workout generated ahead
(rendered as a delivery is), the one being written (the worker delivers it into the
reminder's message), or what to ask for anew; Tomorrow moves the session and its due rows
a day; Skip records it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from chat.keyboards import workout_keyboard
from core.coaches import coach_by_key
from core.domain import ACTIVE_STATES, Focus, RequestState, WorkoutType
from core.models import Profile
from core.render import render_plan
from core.schedule import to_utc, zone_of
from db import requests as db_requests
from db import schedule as db_schedule
from db import users as db_users
from db.history import StoredPlan, get_plan_for_request
from db.models import PlannedSession
from usecases.ports import Keyboard
from usecases.profile import Member, Sessions, known_user
from usecases.requests import WorkoutChoice
from usecases.schedule import PREPARE_AHEAD, DueKind, settings_of

__all__ = ["StartStatus", "Started", "move_session", "skip_session", "start_session"]


class StartStatus(StrEnum):
    """What Start found."""

    READY = "ready"
    """The workout is there: show ``plan``."""
    WRITING = "writing"
    """It is being written; the worker delivers it into the reminder's message."""
    NEW = "new"
    """Nothing usable was generated ahead: open a request like Generate does."""
    NOT_FOUND = "not_found"
    """Not the caller's session (a forged button)."""


@dataclass(frozen=True, slots=True)
class Started:
    """The outcome of ``start_session``."""

    status: StartStatus
    plan: StoredPlan | None = None
    parts: tuple[str, ...] = ()
    """READY: the workout as messages, as a delivery renders it."""
    keyboard: Keyboard | None = None
    """READY: the buttons under the last part, as under a delivery."""
    choice: WorkoutChoice | None = None
    """NEW: what to ask for."""
    writing: str = ""
    """WRITING: the placeholder's text."""


def _own_session(session: Session, who: Member, session_id: int) -> PlannedSession | None:
    user = known_user(session, who)
    planned = db_schedule.lock_session(session, session_id)
    if user is None or planned is None or planned.user_id != user.id:
        return None
    return planned


def start_session(
    sessions: Sessions, who: Member, session_id: int, message_id: int | None
) -> Started:
    """Start under a reminder: the workout generated ahead, or the one being written
    (delivered into the reminder's message ``message_id``), or what to ask for anew."""
    with sessions.begin() as session:
        planned = _own_session(session, who, session_id)
        if planned is None:
            return Started(StartStatus.NOT_FOUND)
        user = known_user(session, who)
        assert user is not None
        planned.status = "started"
        choice = WorkoutChoice(
            coach=planned.coach,
            workout_type=WorkoutType(planned.workout_type),
            duration_min=planned.duration_min,
            focus=Focus.of(planned.focus),
            equipment=(db_users.load_profile(session, user.id) or Profile()).equipment,
        )
        row = (
            db_requests.lock_request(session, planned.request_id)
            if planned.request_id is not None
            else None
        )
        if row is not None and row.state in (RequestState.GENERATED, RequestState.DELIVERED):
            plan = get_plan_for_request(session, row.id)
            if plan is not None:
                parts = tuple(render_plan(plan, user.units))
                return Started(StartStatus.READY, plan, parts, workout_keyboard(plan.plan_id))
        if row is not None and row.state in ACTIVE_STATES:
            row.chat_id = who.chat_id
            if message_id is not None:
                db_requests.set_placeholder(session, row.id, message_id)
            coach = coach_by_key(row.coach)
            return Started(
                StartStatus.WRITING,
                writing=coach.writing(minutes=row.duration_min, workout_type=row.workout_type),
            )
        return Started(StartStatus.NEW, choice=choice)


def move_session(
    sessions: Sessions, who: Member, session_id: int, *, now: dt.datetime
) -> PlannedSession | None:
    """Tomorrow: the session moves a day, same local time, and its reminder with it; None
    when it is not the caller's (or already over)."""
    with sessions.begin() as session:
        planned = _own_session(session, who, session_id)
        if planned is None or planned.status not in ("planned", "reminded"):
            return None
        plan = db_schedule.lock_plan(session, planned.plan_id)
        if plan is None:
            return None
        settings = settings_of(plan)
        day = max(planned.local_date, now.astimezone(zone_of(settings.time_zone)).date())
        day += dt.timedelta(days=1)
        planned.local_date = day
        planned.fire_at = to_utc(day, settings.local_time, zone_of(settings.time_zone))
        planned.status = "planned"
        jobs = db_schedule.jobs_of(session, planned.id)
        for kind, job in jobs.items():
            if kind == DueKind.PREPARE and job.status == "done":
                continue  # its workout is made already: Start tomorrow shows it
            job.fire_at = planned.fire_at - (
                PREPARE_AHEAD if kind == DueKind.PREPARE else dt.timedelta()
            )
            job.status = "pending"
            job.claimed_at = None
            job.done_at = None
        return planned


def skip_session(sessions: Sessions, who: Member, session_id: int) -> bool:
    """Skip: the session is recorded as skipped; False when it is not the caller's."""
    with sessions.begin() as session:
        planned = _own_session(session, who, session_id)
        if planned is None or planned.status not in ("planned", "reminded"):
            return False
        planned.status = "skipped"
        for job in db_schedule.jobs_of(session, planned.id).values():
            if job.status in ("pending", "queued"):
                job.status = "cancelled"
        return True
