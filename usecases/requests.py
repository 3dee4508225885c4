"""Asking for a workout: open a request (Generate, Regenerate, Try again, the command line),
give it its placeholder, queue it, and give up on one that never got going.

Opening a request is one decision under the user's row lock: at most one request in flight
per user, the hourly limit, one request per idempotency key. The request's state moves
through usecases/lifecycle.py only; the generation itself is usecases/generation.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from core.domain import Equipment, Focus, RequestState, WorkoutType, with_bodyweight
from core.models import Profile
from db import history as db_history
from db import requests as db_requests
from db import users as db_users
from db.models import User, WorkoutRequestRow
from usecases import lifecycle
from usecases.errors import QueueUnavailable
from usecases.ports import Enqueue
from usecases.profile import Member, Sessions, known_user, user_of

__all__ = [
    "DEFAULT_GENERATIONS_PER_HOUR",
    "GENERATION_WINDOW",
    "OpenStatus",
    "Opened",
    "WorkoutChoice",
    "attach_placeholder",
    "fail_request",
    "give_up_queued",
    "last_choice",
    "open_local_request",
    "open_planned_request",
    "open_request",
    "queue_request",
    "regenerate_choice",
    "retry_choice",
]

log = logging.getLogger(__name__)

GENERATION_WINDOW = dt.timedelta(hours=1)
"""The sliding window of the per-user generation limit."""
DEFAULT_GENERATIONS_PER_HOUR = 10
"""FLEXFLOW_GENERATIONS_PER_HOUR's default, for callers that do not pass the setting."""


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
    focus: Focus | None = None
    """A split's day (a plan's session): what the workout trains; None: the whole body."""


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
        user = user_of(session, who, lock=True)
        return _open(
            session,
            user,
            choice,
            idempotency_key,
            chat_id=who.chat_id,
            placeholder_id=placeholder_id,
            per_hour=per_hour,
        )


def _open(
    session: Session,
    user: User,
    choice: WorkoutChoice,
    idempotency_key: str,
    *,
    chat_id: int | None,
    placeholder_id: int | None,
    per_hour: int,
    one_at_a_time: bool = True,
) -> Opened:
    """The decision of a new request, for a user whose row this transaction has locked."""
    active = db_requests.active_request_for_user(session, user.id) if one_at_a_time else None
    if active is not None:
        same = active.idempotency_key == idempotency_key
        return Opened(OpenStatus.DUPLICATE if same else OpenStatus.BUSY, active.id)
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
        chat_id=chat_id,
        message_id=placeholder_id,  # a new row only; an old one keeps its own
        avoid=choice.avoid,
        focus=choice.focus,
    )
    # No request of the user is active, so a row that is not queued is an old one.
    status = OpenStatus.CREATED if row.state is RequestState.QUEUED else OpenStatus.DUPLICATE
    return Opened(status, row.id)


def open_local_request(sessions: Sessions, choice: WorkoutChoice, profile: Profile) -> int:
    """A request of the command line's local user (``flexflow generate``), with ``profile``
    saved as theirs; its id.

    The same decision as ``open_request``, with two limits bypassed on purpose: the hourly
    limit (a person at their own shell is not a chat to protect from abuse; each run is one
    deliberate request), and "one request in flight", because a run stopped with Ctrl-C leaves
    its request generating until the sweeper's lease runs out, and the next run must not be
    refused for it. The idempotency key is new for every run.
    """
    with sessions.begin() as session:
        user = db_users.get_or_create_local_user(session)
        db_users.save_profile(session, user.id, profile)
        key = db_requests.make_idempotency_key("cli", uuid.uuid4().hex)
        opened = _open(
            session,
            user,
            choice,
            key,
            chat_id=None,
            placeholder_id=None,
            per_hour=0,
            one_at_a_time=False,
        )
        return opened.request_id


def open_planned_request(
    session: Session, user: User, choice: WorkoutChoice, idempotency_key: str
) -> int:
    """A request made ahead for a planned session (usecases/schedule.py), in the caller's
    transaction (which holds the planned session's due row); its id. The same decision as
    ``open_request``, without the hourly limit and "one in flight" (the plan asked, not the
    user, and a reminder must not fail because the user is generating something else), and
    without a chat: the worker saves the plan and sends nothing, Start shows it."""
    opened = _open(
        session,
        user,
        choice,
        idempotency_key,
        chat_id=None,
        placeholder_id=None,
        per_hour=0,
        one_at_a_time=False,
    )
    return opened.request_id


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
    """Give up on a request that never reached the queue (its placeholder was not sent)."""
    with sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is not None and row.state in lifecycle.ACTIVE:
            lifecycle.fail(session, row, reason)


def give_up_queued(sessions: Sessions, request_id: int, reason: str) -> bool:
    """Give up on a request no worker has touched; False when it is past ``queued`` (someone
    queued it meanwhile: it is on its way)."""
    with sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None or row.state is not RequestState.QUEUED:
            return False
        lifecycle.fail(session, row, reason)
        return True


def queue_request(enqueue: Enqueue, request_id: int) -> bool:
    """Enqueue the generation; False when the queue is unreachable.

    The request then stays ``queued``: it is kept, and sent when the queue is back (by the
    bot's requeuer, or the workers' sweeper), never half-written and never lost.
    """
    try:
        enqueue(request_id)
    except QueueUnavailable as exc:
        log.error("request %s could not be queued yet: %s", request_id, exc)
        return False
    return True


def _choice_of(row: WorkoutRequestRow) -> WorkoutChoice:
    """What was asked for in ``row``: the same coach, type, duration, equipment and focus."""
    return WorkoutChoice(
        coach=row.coach,
        workout_type=row.workout_type,
        duration_min=row.duration_min,
        equipment=frozenset(Equipment(e) for e in row.equipment),
        focus=Focus.of(row.focus),
    )


def retry_choice(sessions: Sessions, who: Member, request_id: int) -> WorkoutChoice | None:
    """The choices of the caller's own failed request ``request_id``; None for anything else."""
    with sessions.begin() as session:
        user = known_user(session, who)
        row = db_requests.get_request(session, request_id)
        if user is None or row is None or row.user_id != user.id:
            return None
        if row.state is not RequestState.FAILED:
            return None
        return _choice_of(row)


def last_choice(sessions: Sessions, who: Member) -> WorkoutChoice | None:
    """The choices of the caller's latest request, whatever became of it ("same as last
    time"); None when they have made none."""
    with sessions.begin() as session:
        user = known_user(session, who)
        row = None if user is None else db_requests.latest_request_for_user(session, user.id)
        return None if row is None else _choice_of(row)


def regenerate_choice(sessions: Sessions, who: Member, plan_id: int) -> WorkoutChoice | None:
    """The choices behind the caller's plan ``plan_id``, avoiding its exercises; None if not
    theirs. The new request goes through ``open_request`` like any other."""
    with sessions.begin() as session:
        user = known_user(session, who)
        plan = None if user is None else db_history.get_plan(session, plan_id, user_id=user.id)
        if plan is None:
            return None
        return WorkoutChoice(
            coach=plan.coach,
            workout_type=plan.workout_type,
            duration_min=plan.duration_min,
            equipment=with_bodyweight(plan.equipment),
            avoid=plan.workout.exercise_names,
            focus=plan.focus,
        )
