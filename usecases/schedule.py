"""Training on a plan: /plan's week, the scheduler's tick, and what the session's due rows
do (the reminder's buttons: usecases/reminderbuttons.py; the weekly review:
usecases/weeklyreview.py).

A plan keeps exactly one session ahead: saving the plan plans the next occurrence
(core.schedule), and each session, once reminded, skipped or missed, plans the one after.
A session has two due rows (db.models.ScheduledJob): ``prepare`` a few minutes before the
reminder (its workout is generated through the ordinary request path, so Start shows it at
once) and ``remind`` at the local time.

The scheduler (jobs/scheduler.py, on APScheduler) calls ``tick``: it claims due rows with
``FOR UPDATE SKIP LOCKED`` and hands each to ``dispatch`` (the actor of its kind) before
committing. Whatever dies when, nothing is lost or doubled:

- killed before the commit: the rows are still pending, the next tick queues them again;
  the actors may get a message twice, and each locks its row and does nothing when the
  row says it is done (or being sent);
- killed after the commit with a message lost (Redis without persistence): a row queued
  longer than ``REQUEUE_AFTER`` is queued again;
- two schedulers at once: SKIP LOCKED gives them disjoint rows, and the row state makes
  the actors idempotent anyway.

A reminder is marked ``sending`` before it is sent and ``done`` after: a crash between the
two loses that one reminder rather than risking a second (Telegram has no idempotent
send). A row more than ``late_window`` past its time (everything was down) is skipped and
the next session planned; a user who blocked the bot gets nothing (403: marked blocked)
until they write again (/start), and their plan goes on being planned meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from html import escape

from sqlalchemy.orm import Session

from chat.callbacks import Button, encode_session
from core.coaches import coach_by_key
from core.domain import Equipment, WorkoutType
from core.schedule import (
    Focus,
    Split,
    days_label,
    focus_for,
    focus_workout_type,
    next_occurrence,
    occurrences,
    zone_label,
    zone_of,
)
from db import requests as db_requests
from db import schedule as db_schedule
from db import users as db_users
from db.models import PlannedSession, ScheduledJob, TrainingPlan, User
from usecases.errors import DeliveryFailed, TryLater
from usecases.ports import Enqueue, Keyboard, Notifier
from usecases.profile import Member, Sessions, known_user, user_of
from usecases.requests import WorkoutChoice, open_planned_request

__all__ = [
    "DEFAULT_LATE_WINDOW",
    "PREPARE_AHEAD",
    "REQUEUE_AFTER",
    "SEND_PRIORITY",
    "DayPlan",
    "DueKind",
    "PlanSettings",
    "Scheduling",
    "SessionAction",
    "TickResult",
    "WeekView",
    "plan_review",
    "plan_view",
    "prepare_session",
    "reminder_keyboard",
    "reminder_text",
    "save_plan",
    "send_due",
    "send_reminder",
    "settings_of",
    "skip_row",
    "stop_plan",
    "tick",
]

log = logging.getLogger(__name__)

DEFAULT_LATE_WINDOW = dt.timedelta(hours=2)
"""FLEXFLOW_REMINDER_LATE_WINDOW's default: how late a reminder may still go out."""
PREPARE_AHEAD = dt.timedelta(minutes=5)
"""The workout is generated this long before its reminder."""
REQUEUE_AFTER = dt.timedelta(minutes=15)
"""A row queued this long ago whose actor never ran lost its message: queue it again.
Longer than the biggest burst takes to go out through the send budget: 10,000 reminders
due at one moment take 6 minutes at 28 a second, and with 2 minutes here the tick queued
7,222 of them again while they were still waiting their turn (``python -m bench
reminders``), duplicates the actors then had to open and drop during the burst."""
BATCH = 500
"""Rows claimed per transaction of a tick."""
REVIEW_WEEKDAY = 6
REVIEW_AT = dt.time(19)
"""The weekly review comes on the user's Sunday at 19:00."""


class DueKind(StrEnum):
    """What a due row does; one idempotent actor per kind (jobs/schedule.py)."""

    PREPARE = "prepare"
    REMIND = "remind"
    REVIEW = "review"
    REST = "rest"


SEND_PRIORITY: dict[DueKind, str] = {
    DueKind.PREPARE: "none",
    DueKind.REMIND: "bulk",
    DueKind.REVIEW: "bulk",
    DueKind.REST: "normal",
}
"""How each kind's message is sent: ``bulk`` in the send budget's bulk line (below replies
and deliveries), ``normal`` like a delivery (a rest timer must ring on time)."""


@dataclass(frozen=True, slots=True)
class Scheduling:
    """What the actors of the due rows are handed by the worker's composition root."""

    sessions: Sessions
    notifier: Notifier
    """Sends in the send budget's bulk line."""
    enqueue: Enqueue
    """Queues a workout's generation."""
    clock: Callable[[], dt.datetime]
    """The current time, UTC-aware (tests move it)."""
    late_window: dt.timedelta = DEFAULT_LATE_WINDOW


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """What /plan collected."""

    days: tuple[int, ...]
    """Weekdays 0 (Monday) to 6."""
    local_time: dt.time
    time_zone: str
    """An IANA zone name."""
    duration_min: int
    coach: str
    workout_type: WorkoutType | None
    """Every session of this type, or None: ``split`` decides."""
    split: Split | None


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One session of the week to come."""

    local_date: dt.date
    at: dt.datetime
    """Its reminder, in the user's zone."""
    label: str
    """"Upper body" or "Strength"."""


@dataclass(frozen=True, slots=True)
class WeekView:
    """/plan: the plan and its next seven days."""

    settings: PlanSettings
    active: bool
    week: tuple[DayPlan, ...]

    @property
    def text(self) -> str:
        """The week as Telegram HTML."""
        s = self.settings
        kind = (
            s.split.label if s.split is not None else (s.workout_type or WorkoutType.STRENGTH).label
        )
        head = "Your plan" if self.active else "Your plan (off: /plan to turn it on)"
        lines = [
            f"<b>{head}</b>",
            f"Days: {days_label(s.days)} at {s.local_time:%H:%M}"
            f" ({escape(zone_label(s.time_zone))})",
            f"{s.duration_min} min with {escape(coach_by_key(s.coach).button)} · {escape(kind)}",
        ]
        if self.active and self.week:
            lines += ["", "<b>This week</b>"]
            lines += [f"{d.at:%a %d %b %H:%M} · {escape(d.label)}" for d in self.week]
        return "\n".join(lines)


def settings_of(plan: TrainingPlan) -> PlanSettings:
    hour, minute = (int(x) for x in plan.local_time.split(":"))
    return PlanSettings(
        days=tuple(sorted(int(d) for d in plan.days)),
        local_time=dt.time(hour, minute),
        time_zone=plan.time_zone,
        duration_min=plan.duration_min,
        coach=plan.coach,
        workout_type=WorkoutType(plan.workout_type) if plan.workout_type else None,
        split=Split(plan.split) if plan.split else None,
    )


def _focus(settings: PlanSettings, weekday: int) -> tuple[str, WorkoutType, str]:
    """A day's focus value, the generator's workout type and the label."""
    if settings.split is not None:
        focus = focus_for(settings.split, settings.days, weekday)
        return focus.value, focus_workout_type(focus), focus.label
    kind = settings.workout_type or WorkoutType.STRENGTH
    return kind.value, kind, kind.label


def _week(settings: PlanSettings, now: dt.datetime) -> tuple[DayPlan, ...]:
    zone = zone_of(settings.time_zone)
    found = occurrences(now, settings.days, settings.local_time, zone, len(settings.days))
    return tuple(
        DayPlan(
            o.local_date, o.fire_at.astimezone(zone), _focus(settings, o.local_date.weekday())[2]
        )
        for o in found
        if o.fire_at - now < dt.timedelta(days=7)
    )


def _plan_next(session: Session, plan: TrainingPlan, after: dt.datetime) -> PlannedSession | None:
    """Plan the plan's first session after ``after`` (none for a stopped plan)."""
    if not plan.active:
        return None
    settings = settings_of(plan)
    zone = zone_of(settings.time_zone)
    nxt = next_occurrence(after, settings.days, settings.local_time, zone)
    focus, kind, _ = _focus(settings, nxt.local_date.weekday())
    planned = PlannedSession(
        plan_id=plan.id,
        user_id=plan.user_id,
        planned_date=nxt.local_date,
        local_date=nxt.local_date,
        fire_at=nxt.fire_at,
        focus=focus,
        workout_type=kind.value,
        coach=settings.coach,
        duration_min=settings.duration_min,
    )
    jobs = [
        ScheduledJob(
            kind=DueKind.PREPARE,
            user_id=plan.user_id,
            plan_id=plan.id,
            fire_at=nxt.fire_at - PREPARE_AHEAD,
        ),
        ScheduledJob(
            kind=DueKind.REMIND, user_id=plan.user_id, plan_id=plan.id, fire_at=nxt.fire_at
        ),
    ]
    return db_schedule.add_session(session, planned, jobs)


def plan_review(session: Session, plan: TrainingPlan, after: dt.datetime) -> None:
    """Plan the plan's next weekly review (the user's Sunday evening) after ``after``."""
    if not plan.active:
        return
    zone = zone_of(plan.time_zone)
    when = next_occurrence(after, (REVIEW_WEEKDAY,), REVIEW_AT, zone)
    job = ScheduledJob(
        kind=DueKind.REVIEW, user_id=plan.user_id, plan_id=plan.id, fire_at=when.fire_at
    )
    db_schedule.add_review(session, job)


def _validated(settings: PlanSettings) -> PlanSettings:
    zone_of(settings.time_zone)  # ValueError for an unknown zone
    coach_by_key(settings.coach)
    if not settings.days or not set(settings.days) <= set(range(7)):
        raise ValueError("a plan needs training days from 0 (Monday) to 6")
    if not 10 <= settings.duration_min <= 180:
        raise ValueError("a session lasts 10 to 180 minutes")
    if (settings.workout_type is None) == (settings.split is None):
        raise ValueError("a plan has a workout type or a split, not both")
    return settings


def save_plan(
    sessions: Sessions, who: Member, settings: PlanSettings, *, now: dt.datetime
) -> WeekView:
    """Create or change the caller's plan and turn it on: the sessions still to come are
    planned again from ``now``. ``ValueError`` for settings that cannot make a plan."""
    settings = _validated(settings)
    with sessions.begin() as session:
        user = user_of(session, who, lock=True)
        plan = db_schedule.plan_of_user(session, user.id, lock=True)
        if plan is None:
            plan = TrainingPlan(user_id=user.id)
            session.add(plan)
        plan.days = sorted(set(settings.days))
        plan.local_time = f"{settings.local_time:%H:%M}"
        plan.time_zone = settings.time_zone
        plan.duration_min = settings.duration_min
        plan.coach = coach_by_key(settings.coach).key
        plan.workout_type = settings.workout_type.value if settings.workout_type else None
        plan.split = settings.split.value if settings.split else None
        plan.active = True
        session.flush()
        db_schedule.drop_upcoming(session, plan.id)
        _plan_next(session, plan, now)
        plan_review(session, plan, now)
        return WeekView(settings_of(plan), True, _week(settings_of(plan), now))


def plan_view(sessions: Sessions, who: Member, *, now: dt.datetime) -> WeekView | None:
    """The caller's plan and its week; None when they have none."""
    with sessions.begin() as session:
        user = known_user(session, who)
        plan = None if user is None else db_schedule.plan_of_user(session, user.id)
        if plan is None:
            return None
        settings = settings_of(plan)
        return WeekView(settings, plan.active, _week(settings, now) if plan.active else ())


def stop_plan(sessions: Sessions, who: Member) -> bool:
    """/plan off: no more reminders (the plan is kept for /plan to turn on again). False
    when there was no plan on."""
    with sessions.begin() as session:
        user = known_user(session, who)
        plan = None if user is None else db_schedule.plan_of_user(session, user.id, lock=True)
        if plan is None or not plan.active:
            return False
        plan.active = False
        db_schedule.drop_upcoming(session, plan.id)
        return True


# The scheduler's tick ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TickResult:
    """What one tick did."""

    queued: int
    """Rows handed to their actors."""
    skipped: int
    """Rows too late to do (past the late window), skipped."""


def skip_row(session: Session, job: ScheduledJob, note: str, now: dt.datetime) -> None:
    """The row will not be done: say why; a skipped reminder's session is missed and the
    next one planned."""
    job.status = "skipped"
    job.note = note
    job.done_at = now
    if job.kind == DueKind.REVIEW and job.plan_id is not None:
        plan = db_schedule.lock_plan(session, job.plan_id)
        if plan is not None:
            plan_review(session, plan, max(job.fire_at, now))
        return
    if job.session_id is None:
        return
    planned = db_schedule.get_session(session, job.session_id)
    if planned is None:
        return
    if job.kind == DueKind.REMIND and planned.status == "planned":
        planned.status = "missed"
        _plan_following(session, planned, now)


def _plan_following(session: Session, planned: PlannedSession, now: dt.datetime) -> None:
    plan = db_schedule.lock_plan(session, planned.plan_id)
    if plan is not None:
        _plan_next(session, plan, max(planned.fire_at, now - DEFAULT_LATE_WINDOW))


def tick(
    sessions: Sessions,
    dispatch: Callable[[DueKind, int], None],
    *,
    now: dt.datetime,
    late_window: dt.timedelta = DEFAULT_LATE_WINDOW,
    batch: int = BATCH,
) -> TickResult:
    """Hand every due row to ``dispatch(kind, row_id)``, oldest first, in batches of
    ``batch`` rows (one transaction each, committed after its messages are sent); rows
    later than ``late_window`` are skipped instead. Raises what ``dispatch`` raises (the
    batch is rolled back and comes again next tick)."""
    queued = skipped = 0
    while True:
        with sessions.begin() as session:
            rows = db_schedule.claim_due(
                session, now, requeue_before=now - REQUEUE_AFTER, limit=batch
            )
            for job in rows:
                if now - job.fire_at > late_window:
                    skip_row(session, job, f"late: due {job.fire_at:%Y-%m-%d %H:%M} UTC", now)
                    skipped += 1
                    continue
                job.status = "queued"
                job.claimed_at = now
                dispatch(DueKind(job.kind), job.id)
                queued += 1
        if len(rows) < batch:
            return TickResult(queued, skipped)


# The actors' use cases -----------------------------------------------------------------


def _open_job(
    session: Session, job_id: int, kind: DueKind, now: dt.datetime, window: dt.timedelta
) -> tuple[ScheduledJob, PlannedSession, User] | None:
    """The locked row, its session and user, when it is still to be done now; None (the row
    closed as needed) otherwise.

    Locks are taken session first, then the due row, as every other writer of both does
    (the reminder's buttons, the record of a send): a prepare that locked its row first
    and then wrote the session deadlocked with a Tomorrow pressed at that moment."""
    session_id = db_schedule.session_of_job(session, job_id)  # without a lock yet
    if session_id is not None:
        db_schedule.lock_session(session, session_id)
    job = db_schedule.lock_job(session, job_id)
    if job is None or job.kind != kind or job.status not in ("pending", "queued"):
        return None  # done, being sent, skipped: a duplicate message
    if job.fire_at > now + dt.timedelta(seconds=5):
        job.status = "pending"  # moved later (Tomorrow) since it was queued: its time will come
        return None
    if now - job.fire_at > window:
        skip_row(session, job, "late", now)
        return None
    planned = db_schedule.get_session(session, job.session_id) if job.session_id else None
    user = session.get(User, job.user_id)
    if planned is None or user is None:
        skip_row(session, job, "gone", now)
        return None
    if planned.status != "planned":
        skip_row(session, job, f"session {planned.status}", now)
        return None
    if user.blocked or user.chat_id is None:
        skip_row(session, job, "blocked", now)
        return None
    return job, planned, user


def prepare_session(sch: Scheduling, job_id: int) -> None:
    """Generate a planned session's workout ahead, through the ordinary request path."""
    now = sch.clock()
    with sch.sessions.begin() as session:
        opened = _open_job(session, job_id, DueKind.PREPARE, now, sch.late_window)
        if opened is None:
            return
        job, planned, user = opened
        profile = db_users.load_profile(session, user.id)
        equipment = profile.equipment if profile is not None else frozenset({Equipment.BODYWEIGHT})
        choice = WorkoutChoice(
            coach=planned.coach,
            workout_type=WorkoutType(planned.workout_type),
            duration_min=planned.duration_min,
            focus=Focus.of(planned.focus),
            equipment=frozenset(equipment),
        )
        request_id = open_planned_request(
            session, user, choice, db_requests.make_idempotency_key("plan", planned.id)
        )
        planned.request_id = request_id
        job.status = "done"
        job.done_at = now
    try:
        sch.enqueue(request_id)
    except Exception as exc:  # the workers' sweeper queues a stale request again
        log.warning("session %s: its workout could not be queued yet: %s", planned.id, exc)


def reminder_text(planned: PlannedSession) -> str:
    """ "Today: Upper body · 45 min with MAX", as Telegram HTML."""
    coach = coach_by_key(planned.coach)
    try:
        label = Focus(planned.focus).label
    except ValueError:
        label = WorkoutType(planned.focus).label
    return (
        f"<b>Today: {escape(label)} · {planned.duration_min} min with {escape(coach.key)}</b>\n"
        f"{escape(coach.emoji)} Your workout is ready when you are."
    )


class SessionAction(StrEnum):
    """The buttons under a reminder."""

    START = "go"
    TOMORROW = "tm"
    SKIP = "sk"


def reminder_keyboard(session_id: int) -> list[list[Button]]:
    """Start, Tomorrow, Skip: under a reminder."""
    return [
        [
            Button("▶️ Start", encode_session(session_id, SessionAction.START.value)),
            Button("📅 Tomorrow", encode_session(session_id, SessionAction.TOMORROW.value)),
            Button("⏭ Skip", encode_session(session_id, SessionAction.SKIP.value)),
        ]
    ]


def send_due(
    sch: Scheduling,
    job_id: int,
    user_id: uuid.UUID,
    chat_id: int,
    text: str,
    keyboard: Keyboard | None,
    now: dt.datetime,
    *,
    what: str,
    fire_at: dt.datetime,
) -> int | None:
    """Send the message of due row ``job_id`` (marked "sending" by its caller), due at
    ``fire_at``; its message id, or None when the user blocked the bot (marked so, the row
    skipped). A ``TryLater`` puts the row back to "queued" (nothing went out: the retry
    sends it) and is raised."""
    try:
        return sch.notifier.put(
            chat_id, text, edit_message_id=None, keyboard=keyboard, due=(fire_at, job_id)
        )
    except TryLater:
        with sch.sessions.begin() as session:
            again = db_schedule.lock_job(session, job_id)
            if again is not None and again.status == "sending":
                again.status = "queued"
        raise
    except DeliveryFailed as exc:
        log.info("%s %s not sent: %s", what, job_id, exc)
        with sch.sessions.begin() as session:
            db_users.mark_blocked(session, user_id)
            closed = db_schedule.lock_job(session, job_id)
            if closed is not None:
                skip_row(session, closed, "blocked", now)
        return None


def send_reminder(sch: Scheduling, job_id: int) -> None:
    """Send a session's reminder (once), then plan the next session."""
    now = sch.clock()
    with sch.sessions.begin() as session:
        opened = _open_job(session, job_id, DueKind.REMIND, now, sch.late_window)
        if opened is None:
            return
        job, planned, user = opened
        job.status = "sending"
        chat_id, text, session_id, user_id, fire_at = (
            user.chat_id,
            reminder_text(planned),
            planned.id,
            user.id,
            job.fire_at,
        )
    assert chat_id is not None  # _open_job checked
    keyboard = reminder_keyboard(session_id)
    message_id = send_due(
        sch, job_id, user_id, chat_id, text, keyboard, now, what="reminder", fire_at=fire_at
    )
    if message_id is None:
        return
    with sch.sessions.begin() as session:
        planned_row = db_schedule.lock_session(session, session_id)
        sent = db_schedule.lock_job(session, job_id)
        if sent is None or planned_row is None:
            return
        if sent.status != "sending":
            # The user pressed a button of the reminder before this was written (Tomorrow
            # set the row pending for the next day, Skip closed the session): theirs wins.
            return
        sent.status = "done"
        sent.done_at = now
        if planned_row.status == "planned":
            planned_row.status = "reminded"
        planned_row.message_id = message_id
        _plan_following(session, planned_row, now)
