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
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

import jobs
from core.domain import Equipment, Units, WorkoutType
from core.export import MAX_ROWS, Exported, write_csv
from core.models import Profile
from core.progress import Progress, compute_progress
from db import history as db_history
from db import progress as db_progress
from db import requests as db_requests
from db import users as db_users
from db.history import PlanSummary, StoredPlan
from db.models import User

__all__ = [
    "HISTORY_PAGE_SIZE",
    "HistoryPage",
    "Member",
    "OpenStatus",
    "Opened",
    "PlanView",
    "ProgressView",
    "WorkoutChoice",
    "attach_placeholder",
    "export_for",
    "fail_queued_request",
    "fail_request",
    "history_page",
    "load_profile",
    "mark_blocked",
    "open_request",
    "plan_for",
    "progress_for",
    "queue_request",
    "register",
    "retry_choice",
    "save_profile",
    "utc_date",
]

log = logging.getLogger(__name__)

Sessions = sessionmaker[Session]

HISTORY_PAGE_SIZE = 5


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


class OpenStatus(StrEnum):
    """What became of a Generate."""

    CREATED = "created"
    """A new request row, queued: send the placeholder and enqueue it."""
    BUSY = "busy"
    """The user already has a request being written; nothing was written."""
    DUPLICATE = "duplicate"
    """The same button was handled before (double tap, retried update); nothing new."""


@dataclass(frozen=True, slots=True)
class Opened:
    """The outcome of ``open_request``."""

    status: OpenStatus
    """See ``OpenStatus``."""
    request_id: int
    """The new request, the running one (BUSY) or the earlier one (DUPLICATE)."""


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


def _user(session: Session, who: Member) -> User:
    return db_users.upsert_telegram_user(
        session, telegram_id=who.telegram_id, chat_id=who.chat_id, name=who.name
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
) -> Opened:
    """Write a queued request unless one is running (BUSY) or this key was seen (DUPLICATE).

    ``placeholder_id``: a message of the bot's, already in the chat, that will become the
    placeholder (Generate edits the summary into it), recorded in the same transaction.
    """
    with sessions.begin() as session:
        user = _user(session, who)
        active = db_requests.active_request_for_user(session, user.id)
        if active is not None:
            status = (
                OpenStatus.DUPLICATE
                if active.idempotency_key == idempotency_key
                else OpenStatus.BUSY
            )
            return Opened(status, active.id)
        row = db_requests.create_request(
            session,
            user_id=user.id,
            coach=choice.coach,
            workout_type=choice.workout_type,
            duration_min=choice.duration_min,
            equipment=choice.equipment,
            idempotency_key=idempotency_key,
            chat_id=who.chat_id,
        )
        # No request of the user is active, so a row that is not queued is an old one.
        status = OpenStatus.CREATED if row.state == "queued" else OpenStatus.DUPLICATE
        if status is OpenStatus.CREATED and placeholder_id is not None:
            row.message_id = placeholder_id
        return Opened(status, row.id)


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
