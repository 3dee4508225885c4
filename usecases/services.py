"""The bot's service layer: business rules and database transactions, nothing about chats.

Handlers parse input, call these functions off the event loop (``await
asyncio.to_thread(fn, sessions, ...)``) and reply. Every function is one unit of work:
``with sessions.begin() as session:``. Ownership is checked here: a plan or a request that
is not the caller's is reported as not found, whatever id arrived.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

import jobs
from chat.callbacks import name_check
from core.domain import Equipment, Units, WorkoutType
from core.export import MAX_ROWS, Exported, write_csv
from core.models import Profile
from core.progress import Progress, compute_progress
from core.render import weight_in
from core.shorthand import Planned, SetDone, planned_reps
from core.swap import swap_exercise, swap_options
from db import history as db_history
from db import plans as db_plans
from db import progress as db_progress
from db import requests as db_requests
from db import users as db_users
from db import workoutlogs as db_workoutlogs
from db.history import PlanSummary, StoredPlan
from db.models import User
from db.workoutlogs import LoggedSet, Rating

__all__ = [
    "DEFAULT_GENERATIONS_PER_HOUR",
    "GENERATION_WINDOW",
    "HISTORY_PAGE_SIZE",
    "HistoryPage",
    "LogItem",
    "Member",
    "OpenStatus",
    "Opened",
    "PlanView",
    "ProgressView",
    "SwapChoices",
    "SwapStatus",
    "Swapped",
    "ToLog",
    "WorkoutChoice",
    "apply_swap",
    "attach_placeholder",
    "export_for",
    "fail_queued_request",
    "fail_request",
    "history_page",
    "load_profile",
    "log_done",
    "mark_blocked",
    "open_request",
    "plan_for",
    "plan_to_log",
    "progress_for",
    "queue_request",
    "rate_log",
    "regenerate_choice",
    "register",
    "retry_choice",
    "save_profile",
    "swap_choices",
    "utc_date",
]

log = logging.getLogger(__name__)

Sessions = sessionmaker[Session]

HISTORY_PAGE_SIZE = 5
GENERATION_WINDOW = dt.timedelta(hours=1)
"""The sliding window of the per-user generation limit."""
DEFAULT_GENERATIONS_PER_HOUR = 10
"""FLEXFLOW_GENERATIONS_PER_HOUR's default, for callers that do not pass the setting."""


@dataclass(frozen=True, slots=True)
class Member:
    """Who is talking to the bot."""

    telegram_id: int
    """The Telegram user id."""
    chat_id: int
    """The chat the bot answers in (a private chat: the same as the user id)."""
    name: str | None
    """The Telegram first name, if any."""


@dataclass(frozen=True, slots=True)
class WorkoutChoice:
    """What /workout collected."""

    coach: str
    """The coach's key ("MAX")."""
    workout_type: WorkoutType
    """The kind of workout."""
    duration_min: int
    """Minutes, 10 to 180."""
    equipment: frozenset[Equipment]
    """Equipment at hand (bodyweight is always added by the request)."""
    avoid: tuple[str, ...] = ()
    """Exercises the new workout should not use (Regenerate: the previous plan's)."""


class OpenStatus(StrEnum):
    """What became of a Generate."""

    CREATED = "created"
    """A new request row, queued: send the placeholder and enqueue it."""
    BUSY = "busy"
    """The user already has a request being written; nothing was written."""
    DUPLICATE = "duplicate"
    """The same button was handled before (double tap, retried update); nothing new."""
    LIMITED = "limited"
    """The user has had their generations for the hour; nothing was written."""


@dataclass(frozen=True, slots=True)
class Opened:
    """The outcome of ``open_request``."""

    status: OpenStatus
    """See ``OpenStatus``."""
    request_id: int
    """The new request, the running one (BUSY) or the earlier one (DUPLICATE); 0 (LIMITED)."""
    next_at: dt.datetime | None = None
    """LIMITED: when the next request will be accepted (UTC)."""


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of /history, newest first."""

    page: int
    """The page shown (0 = newest), clamped to the pages that exist."""
    total: int
    """How many plans the user has."""
    plans: tuple[PlanSummary, ...]
    """The plans on this page."""

    @property
    def has_newer(self) -> bool:
        return self.page > 0

    @property
    def has_older(self) -> bool:
        return (self.page + 1) * HISTORY_PAGE_SIZE < self.total


@dataclass(frozen=True, slots=True)
class PlanView:
    """A stored plan and the units to show it in."""

    plan: StoredPlan
    """The plan, the caller's own."""
    units: Units
    """The caller's weight units."""


@dataclass(frozen=True, slots=True)
class ProgressView:
    """/progress's numbers and the units to show them in."""

    progress: Progress | None
    """None when the caller has logged nothing yet."""
    units: Units
    """The caller's weight units."""


def _user(session: Session, who: Member, *, lock: bool = False) -> User:
    return db_users.upsert_telegram_user(
        session, telegram_id=who.telegram_id, chat_id=who.chat_id, name=who.name, lock=lock
    )


def register(sessions: Sessions, who: Member) -> bool:
    """Create or refresh the user (idempotent, clears "blocked"); True if they have a profile."""
    with sessions.begin() as session:
        user = _user(session, who)
        return db_users.load_profile(session, user.id) is not None


def load_profile(sessions: Sessions, who: Member) -> Profile | None:
    """The caller's saved profile, or None (registers the caller on the way)."""
    with sessions.begin() as session:
        return db_users.load_profile(session, _user(session, who).id)


def save_profile(sessions: Sessions, who: Member, profile: Profile) -> Profile:
    """Store the caller's profile; the profile as saved (with their name)."""
    with sessions.begin() as session:
        user = _user(session, who)
        db_users.save_profile(session, user.id, profile)
        saved = db_users.load_profile(session, user.id)
    if saved is None:  # save_profile just wrote it in this transaction
        raise RuntimeError("a saved profile could not be read back")
    return saved


def open_request(
    sessions: Sessions,
    who: Member,
    choice: WorkoutChoice,
    idempotency_key: str,
    placeholder_id: int | None = None,
    *,
    per_hour: int = DEFAULT_GENERATIONS_PER_HOUR,
) -> Opened:
    """Write a queued request unless one is running (BUSY), this key was seen (DUPLICATE) or
    the user has had ``per_hour`` requests in the last hour (LIMITED; 0: no limit).

    The user's row is locked first, so the checks and the write are one decision even when
    two of them for the same user run at once (two bot processes, two chats): a user never
    has two requests in flight, and so never holds more than one AI slot however fast they
    tap. ``placeholder_id``: a message of the bot's, already in the chat, that will become
    the placeholder (Generate edits the summary into it), recorded in the same transaction.
    """
    with sessions.begin() as session:
        user = _user(session, who, lock=True)
        active = db_requests.active_request_for_user(session, user.id)
        if active is not None:
            status = (
                OpenStatus.DUPLICATE
                if active.idempotency_key == idempotency_key
                else OpenStatus.BUSY
            )
            return Opened(status, active.id)
        next_at = _next_allowed(session, user.id, per_hour)
        if next_at is not None:
            earlier = db_requests.find_request_by_key(session, idempotency_key)
            if earlier is not None:  # a retried update of a request made before the limit
                return Opened(OpenStatus.DUPLICATE, earlier.id)
            return Opened(OpenStatus.LIMITED, 0, next_at)
        row = db_requests.create_request(
            session,
            user_id=user.id,
            coach=choice.coach,
            workout_type=choice.workout_type,
            duration_min=choice.duration_min,
            equipment=choice.equipment,
            idempotency_key=idempotency_key,
            chat_id=who.chat_id,
            message_id=placeholder_id,  # a new row only; an old one keeps its own
            avoid=choice.avoid,
        )
        # No request of the user is active, so a row that is not queued is an old one.
        status = OpenStatus.CREATED if row.state == "queued" else OpenStatus.DUPLICATE
        return Opened(status, row.id)


def _next_allowed(session: Session, user_id: uuid.UUID, per_hour: int) -> dt.datetime | None:
    """None when the user may ask now; else when the oldest counted request leaves the window."""
    if per_hour <= 0:
        return None
    now = dt.datetime.now(dt.UTC)
    times = db_requests.counted_request_times(session, user_id, now - GENERATION_WINDOW, per_hour)
    if len(times) < per_hour:
        return None
    oldest = times[-1] if times[-1].tzinfo else times[-1].replace(tzinfo=dt.UTC)
    return oldest + GENERATION_WINDOW


def attach_placeholder(sessions: Sessions, request_id: int, message_id: int) -> None:
    """Remember the placeholder message the worker will edit into the workout."""
    with sessions.begin() as session:
        db_requests.set_placeholder(session, request_id, message_id)


def fail_request(sessions: Sessions, request_id: int, reason: str) -> None:
    """Give up on a request that never reached the queue."""
    with sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is not None and row.state in db_requests.ACTIVE_STATES:
            db_requests.mark_failed(session, row, reason)


def fail_queued_request(sessions: Sessions, request_id: int, reason: str) -> bool:
    """Give up on a request no worker has touched; False when it is past ``queued``."""
    with sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None or row.state != "queued":
            return False
        db_requests.mark_failed(session, row, reason)
        return True


def queue_request(sessions: Sessions, request_id: int) -> bool:
    """Enqueue the generation; False when the queue is unreachable.

    The request then stays ``queued``: it is kept, and sent when the queue is back (by the
    bot's requeuer, or the workers' sweeper), never half-written and never lost.
    """
    try:
        jobs.enqueue_generation(request_id)
    except jobs.QueueUnavailable as exc:
        log.error("request %s could not be queued yet: %s", request_id, exc)
        return False
    return True


def retry_choice(sessions: Sessions, who: Member, request_id: int) -> WorkoutChoice | None:
    """The choices of the caller's own failed request ``request_id``; None for anything else."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, who.telegram_id)
        row = db_requests.get_request(session, request_id)
        if user is None or row is None or row.user_id != user.id or row.state != "failed":
            return None
        return WorkoutChoice(
            coach=row.coach,
            workout_type=WorkoutType(row.workout_type),
            duration_min=row.duration_min,
            equipment=frozenset(Equipment(e) for e in row.equipment),
        )


def history_page(sessions: Sessions, who: Member, page: int) -> HistoryPage:
    """Page ``page`` of the caller's plans, newest first (an old page number is clamped)."""
    with sessions.begin() as session:
        user = _user(session, who)
        total = db_history.count_plans(session, user.id)
        last = max(0, (total - 1) // HISTORY_PAGE_SIZE)
        page = min(max(page, 0), last)
        plans = db_history.list_plans(
            session, user.id, offset=page * HISTORY_PAGE_SIZE, limit=HISTORY_PAGE_SIZE
        )
        return HistoryPage(page=page, total=total, plans=tuple(plans))


def plan_for(sessions: Sessions, who: Member, plan_id: int) -> PlanView | None:
    """The caller's own plan ``plan_id`` and their units; None when it is not theirs."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, who.telegram_id)
        if user is None:
            return None
        plan = db_history.get_plan(session, plan_id, user_id=user.id)
        return PlanView(plan, Units(user.units)) if plan is not None else None


def regenerate_choice(sessions: Sessions, who: Member, plan_id: int) -> WorkoutChoice | None:
    """The choices behind the caller's plan ``plan_id``, avoiding its exercises; None if not
    theirs. The new request goes through ``open_request`` like any other."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, who.telegram_id)
        plan = None if user is None else db_history.get_plan(session, plan_id, user_id=user.id)
        if plan is None:
            return None
        return WorkoutChoice(
            coach=plan.coach,
            workout_type=plan.workout_type,
            duration_min=plan.duration_min,
            equipment=plan.equipment | {Equipment.BODYWEIGHT},
            avoid=plan.workout.exercise_names,
        )


@dataclass(frozen=True, slots=True)
class SwapChoices:
    """What exercise ``index`` of a plan may be swapped for."""

    current: str
    """The exercise's name now."""
    options: tuple[str, ...]
    """The alternatives, best first (``core.swap.swap_options``); may be empty."""


def swap_choices(sessions: Sessions, who: Member, plan_id: int, index: int) -> SwapChoices | None:
    """The alternatives to exercise ``index`` of the caller's plan; None if not theirs."""
    view = plan_for(sessions, who, plan_id)
    if view is None or not 0 <= index < len(view.plan.workout.exercises):
        return None
    plan = view.plan
    options = swap_options(
        plan.workout,
        index,
        workout_type=plan.workout_type,
        equipment=plan.equipment | {Equipment.BODYWEIGHT},
    )
    return SwapChoices(plan.workout.exercises[index].name, tuple(options))


class SwapStatus(StrEnum):
    """What became of a swap button."""

    SWAPPED = "swapped"
    """The plan is changed and stored."""
    NOT_FOUND = "not_found"
    """Not the caller's plan (or no such plan)."""
    STALE = "stale"
    """The button was made for what the plan held before (an earlier swap): nothing done."""


@dataclass(frozen=True, slots=True)
class Swapped:
    """The outcome of ``apply_swap``."""

    status: SwapStatus
    before: PlanView | None = None
    """The plan as it was (for SWAPPED)."""
    after: PlanView | None = None
    """The plan as stored now (for SWAPPED)."""
    old_name: str = ""
    new_name: str = ""
    message_ids: tuple[int, ...] = ()
    """The messages the plan was delivered in, in order (empty if unknown)."""


def apply_swap(
    sessions: Sessions, who: Member, plan_id: int, index: int, choice: int, check: str
) -> Swapped:
    """Swap exercise ``index`` of the caller's plan for alternative ``choice`` and store it.

    ``check`` (``core.render.name_check``) must name the exercise at ``index`` now, and the
    alternatives are worked out again under the plan's row lock, so a stale button does
    nothing rather than the wrong thing.
    """
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, who.telegram_id)
        plan = None if user is None else db_plans.lock_plan(session, plan_id, user_id=user.id)
        if user is None or plan is None:
            return Swapped(SwapStatus.NOT_FOUND)
        exercises = plan.workout.exercises
        if not 0 <= index < len(exercises) or name_check(exercises[index].name) != check:
            return Swapped(SwapStatus.STALE)
        equipment = plan.equipment | {Equipment.BODYWEIGHT}
        options = swap_options(
            plan.workout, index, workout_type=plan.workout_type, equipment=equipment
        )
        if not 0 <= choice < len(options):
            return Swapped(SwapStatus.STALE)
        profile = db_users.load_profile(session, user.id)
        units = Units(user.units)
        workout = swap_exercise(
            plan.workout,
            index,
            options[choice],
            workout_type=plan.workout_type,
            equipment=equipment,
            level=(profile or Profile()).level,
            units=units,
        )
        db_plans.replace_workout(session, plan_id, workout)
        return Swapped(
            SwapStatus.SWAPPED,
            before=PlanView(plan, units),
            after=PlanView(replace(plan, workout=workout), units),
            old_name=exercises[index].name,
            new_name=options[choice],
            message_ids=db_plans.delivered_messages(session, plan.request_id),
        )


@dataclass(frozen=True, slots=True)
class LogItem:
    """One exercise of a plan about to be logged."""

    name: str
    reps: str
    """The plan's reps text ("8-12", "30s")."""
    planned: Planned
    """What was planned, in the user's unit."""


@dataclass(frozen=True, slots=True)
class ToLog:
    """A plan about to be logged as done."""

    plan_id: int
    title: str
    units: Units
    exercises: tuple[LogItem, ...]


def plan_to_log(sessions: Sessions, who: Member, plan_id: int) -> ToLog | None:
    """The caller's plan ready for the Done dialog; None if not theirs."""
    view = plan_for(sessions, who, plan_id)
    if view is None:
        return None
    exercises = []
    for exercise in view.plan.workout.exercises:
        reps, seconds = planned_reps(exercise.reps)
        planned = Planned(
            sets=exercise.sets,
            reps=reps,
            seconds=seconds,
            weight=weight_in(exercise, view.units),
            units=view.units,
        )
        exercises.append(LogItem(exercise.name, exercise.reps, planned))
    return ToLog(plan_id, view.plan.workout.title, view.units, tuple(exercises))


def log_done(
    sessions: Sessions, who: Member, plan_id: int, done: Sequence[tuple[str, Sequence[SetDone]]]
) -> int | None:
    """Log the caller's workout: every exercise's sets, weights in kg; the log's id, or None
    when the plan is not theirs (any more)."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, who.telegram_id)
        if user is None:
            return None
        sets = [
            LoggedSet(
                exercise_name=name,
                set_number=number,
                reps=s.reps,
                weight_kg=s.weight_kg,
                duration_s=s.duration_s,
            )
            for name, done_sets in done
            for number, s in enumerate(done_sets, start=1)
        ]
        try:
            log_row = db_workoutlogs.log_workout(
                session, user_id=user.id, plan_id=plan_id, sets=sets
            )
        except LookupError:
            return None
        return log_row.id


def rate_log(sessions: Sessions, who: Member, log_id: int, rating: Rating) -> bool:
    """How the caller's logged workout felt; False when the log is not theirs."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, who.telegram_id)
        if user is None:
            return False
        return db_workoutlogs.rate_workout(session, log_id, user_id=user.id, rating=rating)


def progress_for(sessions: Sessions, who: Member, today: dt.date) -> ProgressView:
    """The caller's progress as of ``today`` (UTC) from their whole log."""
    with sessions.begin() as session:
        user = _user(session, who)
        logged = db_progress.logged_sessions(session, user.id)
        units = Units(user.units)
    progress = compute_progress(logged, today) if logged else None
    return ProgressView(progress, units)


def export_for(sessions: Sessions, who: Member) -> tuple[Exported, Units] | None:
    """The caller's logged sets as a CSV file in their units; None when there are none.

    Past ``core.export.MAX_ROWS`` rows the oldest are left out (the file says so).
    """
    with sessions.begin() as session:
        user = _user(session, who)
        units = Units(user.units)
        total = db_progress.count_export_rows(session, user.id)
        if total == 0:
            return None
        skip = max(0, total - MAX_ROWS)
        # islice: rows logged since the count must not push the file past the limit.
        rows = itertools.islice(db_progress.export_rows(session, user.id, skip=skip), MAX_ROWS)
        return write_csv(rows, units, truncated=skip > 0), units


def mark_blocked(sessions: Sessions, telegram_id: int) -> None:
    """The user blocked the bot: the worker stops writing to them until they write again."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, telegram_id)
        if user is not None:
            db_users.mark_blocked(session, user.id)


def utc_date(moment: dt.datetime) -> dt.date:
    """The UTC calendar date of a stored timestamp (naive ones are UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).date()
