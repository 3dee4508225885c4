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
  scheduler rings it (``rest_over``) unless a tap moved on first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from core.live import (
    LiveError,
    LiveState,
    adjust,
    done_set,
    finish,
    next_set,
    skip_exercise,
    start,
)
from db import history as db_history
from db import live as db_live
from db.models import LiveSession
from db.workoutlogs import LoggedSet
from usecases.profile import Member, Sessions, known_user

__all__ = ["LiveAction", "LiveOutcome", "LiveView", "act", "rest_over", "set_message", "start_live"]

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
        )
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


def rest_over(sessions: Sessions, live_id: int, step: int, now: dt.datetime) -> LiveView | None:
    """The rest timer of session ``live_id`` made at ``step`` rings: the session moves to
    its next set and the view to announce is returned; None when a tap moved on first (the
    timer was cancelled) or the session is over."""
    with sessions.begin() as session:
        row = db_live.lock_live(session, live_id)
        if row is None or not row.active or row.rest_until is None:
            return None
        state = LiveState.from_data(row.position)
        if state.phase != "rest" or state.step != step:
            return None
        after = next_set(state)
        row.position = after.to_data()
        row.rest_until = None
        row.active = after.phase != "finished"
        return _view(row)
