"""A live session: Start under a workout, then set by set with rest timers that ring.

The rules, over ``core.live``'s state machine:
- Start makes a session of the caller's own plan (anyone else's plan id does nothing) with
  a workout log of its own; a second Start of the same plan is the same session, a Start of
  another plan ends the running one (one session per person at a time).
- Every tap names the session and the step it was made at: a tap on another person's
  session is not found, a tap from an earlier step (a double tap, an old message) is
  stale and changes nothing.
- A set done is written to the session's log at once (the same rows as Done), so leaving
  mid-way keeps what was done; its rest starts, and ``rest_until`` is the timer: the
  scheduler rings it (``ring_rest``) unless a tap moved on first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from chat.keyboards import live_keyboard
from core.live import (
    LiveError,
    LiveState,
    adjust,
    done_set,
    finish,
    next_set,
    render_live,
    rest_over_text,
    skip_exercise,
    start,
)
from db import history as db_history
from db import live as db_live
from db.models import LiveSession
from db.workoutlogs import LoggedSet
from usecases.ports import Notifier
from usecases.profile import Member, Sessions, known_user

__all__ = [
    "REQUEUE_AFTER",
    "RING_EARLY",
    "LiveAction",
    "LiveOutcome",
    "LiveView",
    "act",
    "claim_rests",
    "ring_rest",
    "set_message",
    "start_live",
]

LiveAction = Literal["d", "rp", "rm", "wp", "wm", "sk", "nx", "x"]


@dataclass(frozen=True, slots=True)
class LiveView:
    """A session as the chat shows it."""

    live_id: int
    live: LiveState
    """Where the session is."""
    title: str
    chat_id: int
    message_id: int | None
    log_id: int
    rest_until: dt.datetime | None = None
    created: bool = False
    """Start made it just now (and so its message is the caller's to send)."""


@dataclass(frozen=True, slots=True)
class LiveOutcome:
    """What a tap did: ``ok`` (``view`` is the session after it), ``stale`` (an earlier
    step's button: ``view`` is the session as it is), ``ended`` (the session is over),
    ``not_found`` (not the caller's)."""

    status: Literal["ok", "stale", "ended", "not_found"]
    view: LiveView | None = None


def _view(row: LiveSession, *, created: bool = False) -> LiveView:
    return LiveView(
        created=created,
        live_id=row.id,
        live=LiveState.from_data(row.position),
        title=row.title,
        chat_id=row.chat_id,
        message_id=row.message_id,
        log_id=row.log_id,
        rest_until=row.rest_until,
    )


def start_live(sessions: Sessions, who: Member, plan_id: int) -> LiveView | None:
    """The caller's session of plan ``plan_id``: the running one, or a new one at the first
    set; None when the plan is not theirs."""
    with sessions.begin() as session:
        user = known_user(session, who)
        if user is None:
            return None
        plan = db_history.get_plan(session, plan_id, user_id=user.id)
        if plan is None:
            return None
        running = db_live.active_sessions(session, user.id)
        for row in running:
            if row.plan_id == plan_id:
                return _view(row)
        db_live.end_all(session, user.id)
        state = start(plan.workout, user.units)
        row = db_live.create_live(
            session,
            user_id=user.id,
            plan_id=plan_id,
            chat_id=who.chat_id,
            title=plan.workout.title,
            position=state.to_data(),
        )
        return _view(row, created=True)


def set_message(sessions: Sessions, who: Member, live_id: int, message_id: int) -> None:
    """Remember the session's chat message (the one edited at every step)."""
    with sessions.begin() as session:
        user = known_user(session, who)
        row = db_live.lock_live(session, live_id)
        if user is not None and row is not None and row.user_id == user.id:
            row.message_id = message_id


def act(
    sessions: Sessions, who: Member, live_id: int, step: int, action: LiveAction, now: dt.datetime
) -> LiveOutcome:
    """Apply one tap of the caller's session, made at ``step``."""
    with sessions.begin() as session:
        user = known_user(session, who)
        row = db_live.lock_live(session, live_id)
        if user is None or row is None or row.user_id != user.id:
            return LiveOutcome("not_found")
        state = LiveState.from_data(row.position)
        if not row.active or state.phase == "finished":
            return LiveOutcome("ended", _view(row))
        if step != state.step:
            return LiveOutcome("stale", _view(row))
        try:
            after = _apply(session, row, state, action)
        except LiveError:
            return LiveOutcome("stale", _view(row))
        row.position = after.to_data()
        row.rest_until = (
            now + dt.timedelta(seconds=after.rest_s)
            if after.phase == "rest" and after.rest_s > 0
            else None
        )  # a new rest sets the timer; any other move cancels the one running
        row.rest_queued_at = None
        if after.phase == "rest" and after.rest_s <= 0:  # no rest planned: straight on
            after = next_set(after)
            row.position = after.to_data()
        row.active = after.phase != "finished"
        return LiveOutcome("ok", _view(row))


def _apply(session: Session, row: LiveSession, state: LiveState, action: LiveAction) -> LiveState:
    """The tap's transition; a set done is written to the session's log."""
    if action == "d":
        after, done = done_set(state)
        name = state.current.name
        db_live.add_set(
            session,
            row.log_id,
            LoggedSet(
                exercise_name=name,
                set_number=db_live.next_set_number(session, row.log_id, name),
                reps=done.reps,
                weight_kg=done.weight_kg,
                duration_s=done.duration_s,
            ),
        )
        return after
    if action in ("rp", "rm"):
        return adjust(state, "reps", 1 if action == "rp" else -1)
    if action in ("wp", "wm"):
        return adjust(state, "weight", 1 if action == "wp" else -1)
    if action == "sk":
        return skip_exercise(state)
    if action == "nx":
        return next_set(state)
    return finish(state)


REQUEUE_AFTER = dt.timedelta(seconds=30)
"""A timer handed to its actor this long ago and still due: the message was lost, hand it
again (the actor is idempotent)."""


def claim_rests(
    sessions: Sessions, dispatch: Callable[[int], None], *, now: dt.datetime, batch: int = 200
) -> int:
    """The scheduler's part: hand every rest timer that is due to ``dispatch(live_id)`` (the
    ringing actor's queue), soonest first, marked as handed in the same transaction, which
    commits only after dispatching (a failure leaves them due for the next tick). Returns
    how many were handed; rows another scheduler holds are skipped."""
    handed = 0
    while True:
        with sessions.begin() as session:
            rows = db_live.claim_due_rests(
                session, now, requeue_before=now - REQUEUE_AFTER, limit=batch
            )
            for row in rows:
                row.rest_queued_at = now
                dispatch(row.id)
                handed += 1
        if len(rows) < batch:
            return handed


def ring_rest(sessions: Sessions, notifier: Notifier, live_id: int, now: dt.datetime) -> bool:
    """The rest timer of session ``live_id`` rings (its actor): if the session is still in
    that rest and it is over, the session moves to its next set, a short message says so
    (the one that rings on the phone) and the session's message shows the set. False when
    a tap moved on first (the timer was cancelled), the session ended, or it is not yet
    time. The sends happen inside the row's transaction: a failure rolls the move back and
    the actor's retry rings again (at least once; never silently lost)."""
    with sessions.begin() as session:
        row = db_live.lock_live(session, live_id)
        if row is None or not row.active or row.rest_until is None:
            return False
        if row.rest_until > now + RING_EARLY:
            return False
        state = LiveState.from_data(row.position)
        if state.phase != "rest":
            return False
        after = next_set(state)
        row.position = after.to_data()
        row.rest_until = row.rest_queued_at = None
        row.active = after.phase != "finished"
        notifier.put(row.chat_id, rest_over_text(after), edit_message_id=None, keyboard=None)
        if row.message_id is not None:
            notifier.put(
                row.chat_id,
                render_live(after, row.title),
                edit_message_id=row.message_id,
                keyboard=live_keyboard(row.id, row.log_id, after),
            )
        return True


RING_EARLY = dt.timedelta(milliseconds=500)
"""How early a timer may ring (clocks of two machines, a tick landing just before)."""
