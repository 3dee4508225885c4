"""The bot's service layer: business rules and database transactions, nothing about chats.

Handlers parse input, call these functions off the event loop (``await
asyncio.to_thread(fn, sessions, ...)``) and reply. Every function is one unit of work:
``with sessions.begin() as session:``. Ownership is checked here: a plan or a request that
is not the caller's is reported as not found, whatever id arrived.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

import jobs
from core.domain import Equipment, Units, WorkoutType
from core.models import Profile
from db import history as db_history
from db import requests as db_requests
from db import users as db_users
from db.history import PlanSummary, StoredPlan
from db.models import User

__all__ = [
    "DEFAULT_GENERATIONS_PER_HOUR",
    "GENERATION_WINDOW",
    "HISTORY_PAGE_SIZE",
    "HistoryPage",
    "Member",
    "OpenStatus",
    "Opened",
    "PlanView",
    "WorkoutChoice",
    "attach_placeholder",
    "fail_request",
    "history_page",
    "load_profile",
    "mark_blocked",
    "open_request",
    "plan_for",
    "queue_request",
    "register",
    "retry_choice",
    "save_profile",
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
        user = _user(session, who)
        db_users.lock_user(session, user.id)
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
        )
        # No request of the user is active, so a row that is not queued is an old one.
        status = OpenStatus.CREATED if row.state == "queued" else OpenStatus.DUPLICATE
        if status is OpenStatus.CREATED and placeholder_id is not None:
            row.message_id = placeholder_id
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


def queue_request(sessions: Sessions, request_id: int) -> bool:
    """Enqueue the generation; False (and the request failed) when the queue is unreachable."""
    try:
        jobs.enqueue_generation(request_id)
    except jobs.QueueUnavailable as exc:
        log.error("request %s could not be queued: %s", request_id, exc)
        fail_request(sessions, request_id, f"queue unavailable: {exc}")
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
