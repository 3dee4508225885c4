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
- parked: with an ``AIStage`` (the worker's Claude client), the run does not wait for the
  AI. It starts the call and ends; the claim is kept alive meanwhile (``Leases``: a worker
  that dies stops renewing it, and the sweeper queues the request again once its lease is
  out), and the call's result is saved and delivered, still under the first message's
  claim (``holder``): where the call ended while one of a few ``finishers`` is free (a lone
  request is not queued twice), else in a new queue message (``Resume``), with Dramatiq's
  retries. So a worker holds hundreds of calls in flight with a few threads. Were the
  result's message lost, or the claim taken over meanwhile, the request is generated
  again: never two plans.
- deliver: each part's message id is recorded as soon as it is sent, so a retry sends only
  the parts that are missing.

The states move through usecases/lifecycle.py only.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from chat.keyboards import failure_keyboard, workout_keyboard
from core.coaches import coach_by_key
from core.domain import RequestState, Units
from core.models import WorkoutRequest
from core.pipeline import AIClient, AIResult, PipelineResult, Progress, build_workout
from core.render import failure_text, render_plan
from db import requests as db_requests
from db.history import StoredPlan, get_plan_for_request, stored_plan
from db.models import WorkoutRequestRow
from db.users import mark_blocked
from usecases import lifecycle
from usecases.errors import DeliveryFailed, TryLater
from usecases.frames import Frames
from usecases.ports import AIStage, Enqueue, Leases, Notifier, Observer, Resume

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
    stage: AIStage | None = None
    """Runs the AI call parked (see the module docstring); None: on the run's thread."""
    resume: Resume | None = None
    """Queues a parked call's result (with ``stage``)."""
    leases: Leases | None = None
    """Keeps parked claims alive (with ``stage``)."""
    finishers: threading.Semaphore | None = None
    """How many parked calls' results may be saved and delivered where the call ended (on
    the stage's thread), instead of being queued: a queue hop less for a lone request. The
    rest, and any whose run fails there, go through ``resume``. None: every result is
    queued."""


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


def _claimed(session: Session, row: WorkoutRequestRow) -> _Claimed:
    """What the pipeline and the frames need of a claimed ``row`` (locked, read with its
    user and profile: ``lock_request(with_profile=True)``)."""
    return _Claimed(
        request=db_requests.to_generation_request(session, row),
        chat_id=row.chat_id,
        placeholder=row.message_id,
        units=row.user.units,
    )


def _claim(gen: Generation, request_id: int, message_id: str) -> _Claimed | bool:
    """Lock the row and decide: the request to generate, True when its plan is saved already
    (deliver it), False when there is nothing left to do."""
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id, with_profile=True)
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
        return _claimed(session, row)


def _resumed(gen: Generation, request_id: int, holder: str) -> _Claimed | bool:
    """The claim ``holder`` made, for the run that brings its AI call's result: no new
    claim (the attempt was counted when the call began). True when the plan is saved
    already (deliver it), False when there is nothing left to do: the request is finished,
    or another message took it over meanwhile (its run makes the workout)."""
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id, with_profile=True)
        if row is None or row.state in lifecycle.FINISHED:
            return False
        if row.state is RequestState.GENERATED:
            return True
        if row.state is not RequestState.GENERATING or row.claimed_by != holder:
            log.info("request %s was taken over while its AI call ran; answer dropped", request_id)
            return False
        return _claimed(session, row)


@dataclass(frozen=True, slots=True)
class _Answered:
    """The AI client of a resumed run: the answer its parked call gave."""

    result: AIResult

    @property
    def model(self) -> str:
        return self.result.attempt.model

    def generate(self, request: WorkoutRequest, progress: Progress | None = None) -> AIResult:
        return self.result


def _delivery(row: WorkoutRequestRow, plan: StoredPlan, units: Units | None = None) -> _Delivery:
    """What delivering ``row`` needs, from the locked row and its plan; ``units`` when known
    already (the claim read them), else the user's row is read for them."""
    if units is None:
        units = row.user.units if row.user is not None else Units.KG
    return _Delivery(
        plan=plan,
        chat_id=row.chat_id,
        placeholder=row.message_id,
        sent=tuple(row.delivered_message_ids or ()),
        units=units,
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
    return Frames(
        sessions=gen.sessions,
        notifier=gen.notifier,  # type: ignore[arg-type]  # it has frame (checked above)
        request_id=request_id,
        message_id=message_id,
        chat_id=claim.chat_id,
        placeholder=claim.placeholder,
        request=claim.request,
        units=claim.units,
    )


def _why(result: PipelineResult) -> str:
    """The log line's reason for a fallback: the attempt's outcome and error."""
    if result.source != "fallback" or not result.attempts:
        return ""
    attempt = result.attempts[-1]
    return f": the AI's answer was {attempt.outcome} ({(attempt.error or 'no reason')[:300]})"


def _log_frames(request_id: int, frames: Frames | None) -> None:
    if frames is not None and (frames.shown or frames.dropped):
        log.info(
            "request %s: %d frame(s) shown, %d dropped", request_id, frames.shown, frames.dropped
        )


def _park(gen: Generation, request_id: int, holder: str, claim: _Claimed) -> None:
    """Start the AI call without waiting for it; its result is saved and delivered where
    the call ends, or queued through ``gen.resume`` (see ``_finish``)."""
    assert gen.stage is not None
    frames = _frames(gen, request_id, holder, claim)
    assert gen.leases is not None
    gen.leases.hold(request_id, holder)

    def done(result: AIResult) -> None:
        _log_frames(request_id, frames)
        _finish(gen, request_id, holder, claim, result)

    gen.stage.start(claim.request, frames, done)


def _finish(
    gen: Generation, request_id: int, holder: str, claim: _Claimed, result: AIResult
) -> None:
    """Save and deliver a parked call's result on this thread while a finisher is free (its
    delivery may wait in the send budget's line: the finishers bound how many of the stage's
    threads do that), else queue it; a run that fails here is queued too, and so retried.
    Were the queue down as well, it is finished here all the same."""
    assert gen.resume is not None
    assert gen.leases is not None
    delay_s = 0.0
    if gen.finishers is not None and gen.finishers.acquire(blocking=False):
        try:
            run_generation(gen, request_id, holder, answer=result, holder=holder, claimed=claim)
            return
        except TryLater as exc:
            delay_s = exc.delay_s
            log.info("request %s: finishing it must wait %.0f s; queued", request_id, delay_s)
        except Exception as exc:
            log.warning("request %s: finishing it failed (%s); queued", request_id, exc)
        finally:
            gen.finishers.release()
    try:
        gen.resume(request_id, holder, result, delay_s)
    except Exception as exc:
        log.warning("request %s: queuing its answer failed (%s); on here", request_id, exc)
        try:
            run_generation(gen, request_id, holder, answer=result, holder=holder, claimed=claim)
        except BaseException:
            gen.leases.release(request_id)  # the sweeper queues it again once its lease is out
            raise


def _build_and_save(
    gen: Generation,
    request_id: int,
    message_id: str,
    claim: _Claimed,
    answer: AIResult | None = None,
) -> _Delivery | None:
    """Run the pipeline (outside any transaction), store what it made, read what to deliver.
    With ``answer`` (a parked call's result), the pipeline takes it instead of calling.

    Storing the plan and reading the delivery share one transaction: a request costs one
    round of locking less.
    """
    started = time.monotonic()
    if answer is not None:
        frames = None
        ai: AIClient | None = _Answered(answer)
        started -= answer.attempt.latency_ms / 1000  # the generation took the call's time too
    else:
        frames = _frames(gen, request_id, message_id, claim)
        ai = gen.ai
    progress: Progress | None = frames
    result = build_workout(claim.request, ai, progress=progress)
    seconds = time.monotonic() - started
    _log_frames(request_id, frames)
    gen.observer.attempts(result.attempts)  # the calls happened, whatever becomes of the plan
    with gen.sessions.begin() as session:
        row = db_requests.lock_request(session, request_id)
        if row is None:
            return None
        db_requests.add_generation_logs(session, request_id, result.attempts)
        if row.state in (RequestState.GENERATED, RequestState.DELIVERED):
            log.info("request %s already has a plan; keeping it", request_id)
            return _to_deliver(session, request_id)
        if row.state is not RequestState.GENERATING or row.claimed_by != message_id:
            log.info("request %s was taken over while it was generated; dropped", request_id)
            return None
        plan = db_requests.save_plan(session, row, result.workout, result.source, result.model)
        lifecycle.generated(session, row)
        log.info(
            "request %s generated (%s, %.0f min)%s",
            request_id,
            result.source,
            result.workout.estimated_minutes,
            _why(result),
        )
        # The row is locked and generated, and the plan and the units in hand: no need to
        # read them back.
        delivery = _delivery(row, stored_plan(plan, row), claim.units)
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
    try:
        for index in range(len(sent), len(parts)):
            last = index == len(parts) - 1
            sent.append(
                gen.notifier.put(
                    delivery.chat_id,
                    parts[index],
                    edit_message_id=delivery.placeholder if index == 0 else None,
                    keyboard=workout_keyboard(plan.plan_id) if last else None,
                )
            )
            _record(gen, request_id, sent, done=last)
    except DeliveryFailed as exc:
        with gen.sessions.begin() as session:
            mark_blocked(session, delivery.user_id)
            row = db_requests.lock_request(session, request_id)
            if row is not None and row.state not in lifecycle.FINISHED:
                lifecycle.fail(session, row, str(exc))
        gen.observer.delivery("chat_closed")
        log.warning("request %s not delivered: %s", request_id, exc)
        return
    if len(sent) == len(delivery.sent):  # every part was out already: just close the row
        _record(gen, request_id, sent, done=True)
    gen.observer.delivery("delivered")
    log.info("request %s delivered in %d message(s)", request_id, len(sent))


def _parks(gen: Generation) -> bool:
    return (
        gen.ai is not None
        and gen.stage is not None
        and gen.resume is not None
        and gen.leases is not None
    )


def run_generation(
    gen: Generation,
    request_id: int,
    message_id: str,
    *,
    answer: AIResult | None = None,
    holder: str | None = None,
    claimed: _Claimed | None = None,
) -> None:
    """Claim, generate, save, deliver; whatever of it is still to do.

    ``message_id`` names the queue message running it (a claim's holder). With ``answer``,
    the run brings a parked call's result for the claim of ``holder``; with ``claimed`` too
    (the claim as the call began, in the process that made it), the request is not read
    again: the save checks that the claim is still ``holder``'s. Raises ``TryLater`` when
    another message holds the claim or the chat asks us to slow down.
    """
    if answer is not None:
        holder = holder or message_id
        claim = claimed or _resumed(gen, request_id, holder)
    else:
        holder = message_id
        claim = _claim(gen, request_id, message_id)
    if claim is False:
        return
    if claim is True:
        with gen.sessions.begin() as session:
            delivery = _to_deliver(session, request_id)
    elif answer is None and _parks(gen):
        _park(gen, request_id, holder, claim)
        return
    else:
        # Kept alive while this thread works on it, and after a failure too, while its retry
        # waits (the claim is the retry's: a lapsed one would be generated again).
        if gen.leases is not None:
            gen.leases.hold(request_id, holder)
        delivery = _build_and_save(gen, request_id, holder, claim, answer)
        if gen.leases is not None:
            gen.leases.release(request_id)
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
