"""Generate (the end of /workout), Try again (under a failure) and Regenerate (under a
workout): write, show, enqueue.

Order matters so that nothing is left half-done: the request row is written first (refused
while another request of the user is running; one row per idempotency key, so a double tap
makes one request) with the placeholder it will be edited into (the summary under Generate,
or a new message, remembered right after), then the job is enqueued. If the placeholder
cannot be shown the row is marked failed; if the queue cannot be reached (Redis down) the
row stays queued, the placeholder says the workout will come a little later, and the bot's
requeuer (bot/requeue.py) sends it as soon as the queue is back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import math
import time
from collections.abc import Awaitable
from html import escape

from telegram import Message, Update
from telegram.ext import ConversationHandler

import usecases
from bot.handlers import texts
from bot.handlers.common import (
    acknowledge,
    answer_expired,
    callback_query,
    db,
    is_current,
    member,
    owned,
    reply,
)
from bot.handlers.context import Context
from bot.handlers.workout import DRAFT, draft
from bot.requeue import Pending
from chat.callbacks import Kind
from core.coaches import coach_by_key
from core.domain import WorkoutType, with_bodyweight

__all__ = ["generate", "launch", "regenerate", "retry"]

log = logging.getLogger(__name__)

LAUNCHES = 2
"""Requests being written and queued at once in this bot process (the rest wait their turn).

A tap costs the bot ~12 ms of CPU (rows, placeholder, enqueue) but its answer only ~1 ms:
under a burst (500 taps in a second), running every launch at once left the answers
queued behind them for seconds (p50 2.2 s). Two at a time answered all 500 within 0.8 s
and still queue requests faster than 50 AI slots of 5 s take them (10 a second)."""
_launches: asyncio.Semaphore | None = None


def _launch_gate() -> asyncio.Semaphore:
    """The process's gate, made on first use (inside the running event loop)."""
    global _launches
    if _launches is None:
        _launches = asyncio.Semaphore(LAUNCHES)
    return _launches


async def launch(
    update: Update,
    context: Context,
    choice: usecases.WorkoutChoice,
    key: str,
    *,
    summary: Message | None = None,
) -> None:
    """Write the request, show the placeholder, enqueue; tell the user when it cannot start.

    With ``summary`` (the message under Generate), that message becomes the placeholder: one
    edit instead of removing its buttons and sending a new message, so a request costs one
    Telegram call less from the budget every request shares.
    """
    placeholder_id = summary.message_id if summary is not None else None
    per_hour = context.generations_per_hour
    open_request = functools.partial(usecases.open_request, per_hour=per_hour)
    opened = await db(context, open_request, member(update), choice, key, placeholder_id)
    if opened.status in (usecases.OpenStatus.BUSY, usecases.OpenStatus.LIMITED):
        if summary is not None:  # its dialog is over: no button may stay that does nothing
            await summary.edit_reply_markup(reply_markup=None)
        await reply(update, _refusal(opened, per_hour))
        return
    if opened.status is usecases.OpenStatus.DUPLICATE:
        log.info("request %s: the same button again; nothing new", opened.request_id)
        return
    coach = coach_by_key(choice.coach)
    writing = escape(coach.writing(minutes=choice.duration_min, workout_type=choice.workout_type))
    try:
        if summary is not None:
            await summary.edit_text(writing, reply_markup=None)
            placeholder = summary
        else:
            placeholder = await reply(update, writing)
            await db(
                context, usecases.attach_placeholder, opened.request_id, placeholder.message_id
            )
    except Exception:
        await db(context, usecases.fail_request, opened.request_id, "placeholder not sent")
        raise
    requeuer = context.requeuer
    if not await asyncio.to_thread(usecases.queue_request, requeuer.enqueue, opened.request_id):
        pending = Pending(
            request_id=opened.request_id,
            chat_id=placeholder.chat_id,
            placeholder_id=placeholder.message_id,
            coach=choice.coach,
            since=time.monotonic(),
        )
        requeuer.add(context.application, pending)
        await placeholder.edit_text(f"{writing}\n\n{texts.QUEUED_LATER}")


def _refusal(opened: usecases.Opened, per_hour: int) -> str:
    """Why a Generate started nothing: one running already, or the hour's allowance used."""
    if opened.status is usecases.OpenStatus.BUSY or opened.next_at is None:
        return texts.BUSY
    wait = (opened.next_at - dt.datetime.now(dt.UTC)).total_seconds()
    return texts.generation_limit(per_hour, max(1, math.ceil(wait / 60)))


async def generate(update: Update, context: Context) -> int | None:
    """Generate under the summary: start the request and end the dialog.

    The summary turns into the placeholder. The button is answered while the request is
    written (both are round trips; neither needs the other).
    """
    query = callback_query(update)
    state = draft(context)
    workout_type, minutes = state.get("type"), state.get("duration")
    if not is_current(query, state) or not workout_type or not minutes:
        await answer_expired(query)
        return None
    choice = usecases.WorkoutChoice(
        coach=state["coach"],
        workout_type=WorkoutType(workout_type),
        duration_min=int(minutes),
        equipment=with_bodyweight(state["equipment"]),
    )
    summary = query.message
    if not isinstance(summary, Message):  # is_current checked it is there and accessible
        await answer_expired(query)
        return None
    context.drop_drafts(DRAFT)
    key = usecases.make_idempotency_key("tg", summary.chat.id, summary.message_id)
    # The answer and the request's rows are round trips that do not need each other; under
    # a burst, the gate keeps the launches few so that every answer still goes out at once.
    await asyncio.gather(
        acknowledge(query), _gated(launch(update, context, choice, key, summary=summary))
    )
    return ConversationHandler.END


async def _gated(work: Awaitable[None]) -> None:
    async with _launch_gate():
        await work


async def retry(update: Update, context: Context) -> None:
    """Try again under a failure: only the caller's own failed request, as a new request."""
    found = await owned(update, context, Kind.RETRY, usecases.retry_choice)
    if found is None:
        return
    request_id, choice = found
    await callback_query(update).answer("Trying again…")
    await launch(update, context, choice, usecases.make_idempotency_key("retry", request_id))


async def regenerate(update: Update, context: Context) -> None:
    """Regenerate under a workout: a new request like the caller's plan, avoiding its exercises.

    The same path as Generate (``open_request``: one request at a time and the user's limits,
    a placeholder, the queue). The key holds the button press, so a retried update makes one
    request and a second tap while it runs is told one is on the way.
    """
    found = await owned(update, context, Kind.REGENERATE, usecases.regenerate_choice)
    if found is None:
        return
    plan_id, choice = found
    query = callback_query(update)
    key = usecases.make_idempotency_key("regen", plan_id, query.id)
    await asyncio.gather(
        query.answer(texts.REGENERATING), _gated(launch(update, context, choice, key))
    )
