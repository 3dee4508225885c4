"""Generating a request: one request id in, one delivered workout out, any number of runs.

The generation actor (jobs/generate.py) calls ``run_generation`` for each message; its
retries give up through ``give_up``; the workers' sweeper calls ``requeue_stale``. Each step
reads the request's state under its row lock and is skipped when the row says it is done,
so a run repeated after a crash never calls the AI for a request whose plan is saved, never
saves two plans and never sends the workout twice:

- claim: mark the row generating and remember which queue message holds it. Another
  message finding a live claim is told to come back later (``TryLater``); the same message
  coming back (a retry, or a redelivery after its worker died) takes over at once, and so
  does anyone once the claim's lease has run out.
- build and save: the pipeline runs outside any transaction (the AI's answer shown in the
  chat as it is written, usecases/frames.py); the plan and its generation-log rows are
  stored in one transaction (a second plan is never written: the row is locked and
  re-checked).
- deliver: each part's message id is recorded as soon as it is sent, so a retry sends only
  the parts that are missing. The first part is an edit of the placeholder; where the frames
  were a private chat's draft (``Generation.drafts``), it is a new message instead (a draft
  is replaced by the next message sent, not by an edit), and the placeholder is deleted
  once every part is out, before the row says delivered (a retry deletes it again: a
  message already gone is fine).

The states move through usecases/lifecycle.py only.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from chat.keyboards import failure_keyboard, workout_keyboard
from core.coaches import coach_by_key
from core.domain import RequestState, Units
from core.models import WorkoutRequest
from core.pipeline import AIClient, PipelineResult, Progress, build_workout
from core.render import failure_text, render_plan
from db import requests as db_requests
from db.history import StoredPlan, get_plan_for_request, stored_plan
from db.models import WorkoutRequestRow
from db.users import mark_blocked
from usecases import lifecycle
from usecases.errors import DeliveryFailed, TryLater
from usecases.frames import Frames, draft_id_for
from usecases.ports import Enqueue, FrameNotifier, Notifier, Observer

__all__ = ["Generation", "give_up", "requeue_stale", "run_generation"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Generation:
    """What generating a request needs, handed in by the worker's composition root."""

    sessions: sessionmaker[Session]
    """The database's units of work."""
    ai: AIClient | None
    """The AI client (holding a shared AI slot per call); None: the rule-based generator."""
    notifier: Notifier
    """Where workouts and failures are sent."""
    observer: Observer
    """Told what happened (metrics)."""
    lease_s: float
    """How long a claim on a request lasts before another message may take it over."""
    drafts: bool = False
    """Frames in private chats as drafts (``sendMessageDraft``) instead of edits of the
    placeholder (``FLEXFLOW_FRAMES=drafts``); groups always get edits."""


def _drafted(gen: Generation, chat_id: int | None) -> FrameNotifier | None:
    """The notifier when this request's frames are drafts: the AI writes (frames only come
    from a streamed answer), the setting says drafts, the chat is private (Telegram's
    private chats have positive ids, groups negative) and the notifier can draft. Decided
    from the request and the process alone, so every run of a request decides the same."""
    if not gen.drafts or gen.ai is None or chat_id is None or chat_id <= 0:
        return None
    if not hasattr(gen.notifier, "draft") or not hasattr(gen.notifier, "remove"):
        return None
    return gen.notifier  # type: ignore[return-value]  # it has draft and remove (checked)


@dataclass(frozen=True, slots=True)
class _Delivery:
    """What delivering a generated request needs, read under the row lock."""

    plan: StoredPlan
    chat_id: int | None
    placeholder: int | None
    sent: tuple[int, ...]
    """Message ids of the parts already sent (by an earlier run)."""
    units: Units
    user_id: uuid.UUID


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class _Claimed:
    """A request claimed for generation: what the pipeline and the frames need."""

    request: WorkoutRequest
    chat_id: int | None
    placeholder: int | None
    units: Units


def _claim(gen: Generation, request_id: int, message_id: str) -> _Claimed | bool:
    """Lock the row and decide: the request to generate, True when its plan is saved already
    (deliver it), False when there is nothing left to do."""
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None:
            log.warning("request %s does not exist; dropping the message", request_id)
            return False
        if row.state in lifecycle.FINISHED:
            return False
        if row.state is RequestState.GENERATED:
            return True
        if row.state is RequestState.GENERATING and row.claimed_by != message_id:
            now = dt.datetime.now(dt.UTC)
            since = _aware(row.generating_since or now)
            left = gen.lease_s - (now - since).total_seconds()
            if left > 0:
                raise TryLater(
                    f"request {request_id} is being generated by another message", left + 0.5
                )
            log.warning("request %s: taking over a stale claim", request_id)
        lifecycle.claim(session, row, by=message_id)
        return _Claimed(
            request=db_requests.to_generation_request(session, row),
            chat_id=row.chat_id,
            placeholder=row.message_id,
            units=row.user.units if row.user is not None else Units.KG,
        )


def _delivery(row: WorkoutRequestRow, plan: StoredPlan) -> _Delivery:
    """What delivering ``row`` needs, from the locked row and its plan."""
    return _Delivery(
        plan=plan,
        chat_id=row.chat_id,
        placeholder=row.message_id,
        sent=tuple(row.delivered_message_ids or ()),
        units=row.user.units if row.user is not None else Units.KG,
        user_id=row.user_id,
    )


def _to_deliver(session: Session, request_id: int) -> _Delivery | None:
    """The delivery of a generated request; None when there is nothing to deliver."""
    row = db_requests.lock_request(session, request_id)
    if row is None or row.state is not RequestState.GENERATED:
        return None
    plan = get_plan_for_request(session, request_id)
    if plan is None:
        raise RuntimeError(f"request {request_id} is generated but has no plan")
    return _delivery(row, plan)


def _frames(gen: Generation, request_id: int, message_id: str, claim: _Claimed) -> Frames | None:
    """The frames of this run, when there is a placeholder to show them in."""
    frame = getattr(gen.notifier, "frame", None)
    if gen.ai is None or frame is None or claim.chat_id is None or claim.placeholder is None:
        return None
    drafted = _drafted(gen, claim.chat_id)
    return Frames(
        sessions=gen.sessions,
        notifier=gen.notifier,  # type: ignore[arg-type]  # it has frame (checked above)
        request_id=request_id,
        message_id=message_id,
        chat_id=claim.chat_id,
        placeholder=claim.placeholder,
        request=claim.request,
        units=claim.units,
        draft_id=draft_id_for(request_id) if drafted is not None else None,
    )


def _why(result: PipelineResult) -> str:
    """The log line's reason for a fallback: the attempt's outcome and error."""
    if result.source != "fallback" or not result.attempts:
        return ""
    attempt = result.attempts[-1]
    return f": the AI's answer was {attempt.outcome} ({(attempt.error or 'no reason')[:300]})"


def _build_and_save(
    gen: Generation, request_id: int, message_id: str, claim: _Claimed
) -> _Delivery | None:
    """Run the pipeline (outside any transaction), store what it made, read what to deliver.

    Storing the plan and reading the delivery share one transaction: a request costs one
    round of locking less.
    """
    started = time.monotonic()
    frames = _frames(gen, request_id, message_id, claim)
    progress: Progress | None = frames
    result = build_workout(claim.request, gen.ai, progress=progress)
    seconds = time.monotonic() - started
    if frames is not None and (frames.shown or frames.dropped):
        log.info(
            "request %s: %d frame(s) shown, %d dropped", request_id, frames.shown, frames.dropped
        )
    gen.observer.attempts(result.attempts)  # the calls happened, whatever becomes of the plan
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None:
            return None
        db_requests.add_generation_logs(session, request_id, result.attempts)
        if row.state in (RequestState.GENERATED, RequestState.DELIVERED):
            log.info("request %s already has a plan; keeping it", request_id)
            return _to_deliver(session, request_id)
        plan = db_requests.save_plan(session, row, result.workout, result.source, result.model)
        lifecycle.generated(session, row)
        log.info(
            "request %s generated (%s, %.0f min)%s",
            request_id,
            result.source,
            result.workout.estimated_minutes,
            _why(result),
        )
        # The row is locked and generated, and the plan in hand: no need to read them back.
        delivery = _delivery(row, stored_plan(plan, row))
    gen.observer.workout(result, seconds)  # once committed: a failed commit is retried
    return delivery


def _record(gen: Generation, request_id: int, sent: list[int], *, done: bool) -> None:
    """Remember the parts sent so far; with ``done``, the request is delivered."""
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None or row.state is not RequestState.GENERATED:
            return
        if done:
            lifecycle.deliver(session, row, sent)
        else:
            lifecycle.record_sent(session, row, sent)


def _deliver(gen: Generation, request_id: int, delivery: _Delivery) -> None:
    """Send the parts not yet sent, recording each, then mark the row delivered."""
    sent = list(delivery.sent)
    if delivery.chat_id is None:  # a request of the command line: nothing to send
        _record(gen, request_id, sent, done=True)
        return
    plan = delivery.plan
    parts = render_plan(plan, delivery.units)
    drafted = _drafted(gen, delivery.chat_id)
    edit = None if drafted is not None else delivery.placeholder
    try:
        for index in range(len(sent), len(parts)):
            last = index == len(parts) - 1
            sent.append(
                gen.notifier.put(
                    delivery.chat_id,
                    parts[index],
                    edit_message_id=edit if index == 0 else None,
                    keyboard=workout_keyboard(plan.plan_id) if last else None,
                )
            )
            _record(gen, request_id, sent, done=last and drafted is None)
        placeholder = delivery.placeholder
        if drafted is not None and placeholder is not None and placeholder not in sent:
            drafted.remove(delivery.chat_id, placeholder)
    except DeliveryFailed as exc:
        with gen.sessions.begin() as session:
            mark_blocked(session, delivery.user_id)
            row = db_requests.lock_request(session, request_id)
            if row is not None and row.state not in lifecycle.FINISHED:
                lifecycle.fail(session, row, str(exc))
        gen.observer.delivery("chat_closed")
        log.warning("request %s not delivered: %s", request_id, exc)
        return
    if drafted is not None or len(sent) == len(delivery.sent):
        _record(gen, request_id, sent, done=True)  # the placeholder removed, or all was out
    gen.observer.delivery("delivered")
    log.info("request %s delivered in %d message(s)", request_id, len(sent))


def run_generation(gen: Generation, request_id: int, message_id: str) -> None:
    """Claim, generate, save, deliver; whatever of it is still to do.

    ``message_id`` names the queue message running it (a claim's holder). Raises
    ``TryLater`` when another message holds the claim or the chat asks us to slow down.
    """
    claim = _claim(gen, request_id, message_id)
    if claim is False:
        return
    if claim is True:
        with gen.sessions.begin() as session:
            delivery = _to_deliver(session, request_id)
    else:
        delivery = _build_and_save(gen, request_id, message_id, claim)
    if delivery is not None:
        _deliver(gen, request_id, delivery)


def give_up(gen: Generation, request_id: int, reason: str) -> None:
    """The retries ran out: mark the request failed with the reason and tell the user."""
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None or row.state in lifecycle.FINISHED:
            return
        lifecycle.fail(session, row, reason)
        chat_id, placeholder, coach = row.chat_id, row.message_id, row.coach
    gen.observer.delivery("failed")
    log.error("request %s failed: %s", request_id, reason)
    if chat_id is None:
        return
    try:
        gen.notifier.put(
            chat_id,
            failure_text(coach_by_key(coach)),
            edit_message_id=placeholder,
            keyboard=failure_keyboard(request_id),
        )
    except (DeliveryFailed, TryLater) as exc:
        log.warning("could not tell chat %s that request %s failed: %s", chat_id, request_id, exc)


def requeue_stale(
    sessions: sessionmaker[Session],
    enqueue: Enqueue,
    *,
    generating_older_than: dt.timedelta,
    queued_older_than: dt.timedelta,
) -> list[int]:
    """Queue again every request nobody is working on; returns their ids (oldest first).

    A request can be left behind when the bot wrote its row but the enqueue was lost, or
    when a worker died holding it and its message is gone too. Queuing one twice is
    harmless: ``run_generation`` skips what is done.
    """
    with sessions.begin() as session:
        ids = db_requests.stale_requests(
            session,
            generating_older_than=generating_older_than,
            queued_older_than=queued_older_than,
        )
    for request_id in ids:
        log.warning("request %s was left behind; queuing it again", request_id)
        enqueue(request_id)
    return ids
