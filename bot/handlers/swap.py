"""Swap under a workout, and Back: three taps, no dialog state (the buttons carry it all).

``s:<plan>`` turns the workout's buttons into one per exercise, ``s:<plan>:<i>`` into the
alternatives to exercise ``i``, ``s:<plan>:<i>:<j>:<check>`` swaps it: the plan is stored
with the new exercise and the workout is shown again, edited in place. ``b:<plan>`` puts the
workout's own buttons back. Every press is checked against the caller's own plans first.

Which messages are edited: a delivered workout's parts are known (the request row keeps
their ids), so each part whose text changed is edited; a workout reopened from /history as
one message is edited where it is; one reopened in several messages (their ids are not kept)
is sent again, updated, and the old copy loses its buttons.
"""

from __future__ import annotations

import logging

from telegram import Message, Update

import usecases
from adapters.telegram import edit_unless_unchanged, markup
from bot.handlers import texts
from bot.handlers.common import (
    callback_query,
    db,
    decoded,
    member,
    owned,
    reply,
    set_buttons,
)
from bot.handlers.context import Context
from chat.callbacks import Kind
from chat.keyboards import (
    Rows,
    swap_exercises_keyboard,
    swap_options_keyboard,
    workout_keyboard,
)
from core.render import render_plan

__all__ = ["back_button", "swap_button"]

log = logging.getLogger(__name__)


async def _edit_text(
    context: Context,
    chat_id: int,
    message_id: int,
    html: str,
    keyboard: Rows | None,
) -> None:
    """Edit one part of the workout; a part that did not change after all stays as it is."""
    await edit_unless_unchanged(
        context.bot.edit_message_text(
            html, chat_id=chat_id, message_id=message_id, reply_markup=markup(keyboard)
        )
    )


async def _show_swapped(update: Update, context: Context, outcome: usecases.Swapped) -> None:
    """The workout again, after the swap (see the module docstring for which messages)."""
    message = callback_query(update).message
    if outcome.before is None or outcome.after is None or not isinstance(message, Message):
        return
    before = render_plan(outcome.before.plan, outcome.before.units)
    after = render_plan(outcome.after.plan, outcome.after.units)
    keyboard = workout_keyboard(outcome.after.plan.plan_id)
    ids = outcome.message_ids
    chat_id = message.chat.id
    if ids and ids[-1] == message.message_id and len(ids) == len(after):
        for index, (message_id, html) in enumerate(zip(ids, after, strict=True)):
            last = index == len(after) - 1
            changed = index >= len(before) or before[index] != html
            if changed or last:
                await _edit_text(context, chat_id, message_id, html, keyboard if last else None)
        return
    if len(after) == 1:
        await _edit_text(context, chat_id, message.message_id, after[0], keyboard)
        return
    await set_buttons(message, None)
    for index, html in enumerate(after):
        await reply(update, html, keyboard if index == len(after) - 1 else None)


async def _exercise_list(update: Update, context: Context, plan_id: int) -> bool:
    """Step 1: one button per exercise. False when the plan is not the caller's."""
    view = await db(context, usecases.plan_for, member(update), plan_id)
    if view is None:
        return False
    message = callback_query(update).message
    if isinstance(message, Message):
        names = view.plan.workout.exercise_names
        await set_buttons(message, swap_exercises_keyboard(plan_id, names))
    return True


async def swap_button(update: Update, context: Context) -> None:
    """Any of the three swap steps."""
    query = callback_query(update)
    data = await decoded(query, Kind.SWAP)
    if data is None or data.id is None:
        return
    plan_id = data.id
    message = query.message
    if data.index is None:
        view = await db(context, usecases.plan_for, member(update), plan_id)
        if view is None:
            await query.answer(texts.NOT_FOUND)
            return
        await query.answer(texts.SWAP_PICK)
        if isinstance(message, Message):
            names = view.plan.workout.exercise_names
            await set_buttons(message, swap_exercises_keyboard(plan_id, names))
        return
    if data.choice is None or data.check is None:
        choices = await db(context, usecases.swap_choices, member(update), plan_id, data.index)
        if choices is None:
            await query.answer(texts.NOT_FOUND)
            return
        if not choices.options:
            await query.answer(texts.SWAP_NOTHING_FITS)
            return
        await query.answer()
        if isinstance(message, Message):
            keyboard = swap_options_keyboard(plan_id, data.index, choices.current, choices.options)
            await set_buttons(message, keyboard)
        return
    outcome = await db(
        context,
        usecases.apply_swap,
        member(update),
        plan_id,
        data.index,
        data.choice,
        data.check,
    )
    if outcome.status is usecases.SwapStatus.NOT_FOUND:
        await query.answer(texts.NOT_FOUND)
        return
    if outcome.status is usecases.SwapStatus.STALE:
        await query.answer(texts.SWAP_STALE)
        await _exercise_list(update, context, plan_id)
        return
    await query.answer(texts.swapped(outcome.old_name, outcome.new_name))
    log.info("plan %s: %s swapped for %s", plan_id, outcome.old_name, outcome.new_name)
    await _show_swapped(update, context, outcome)


async def back_button(update: Update, context: Context) -> None:
    """Back from a sub-menu: the workout's own buttons."""
    found = await owned(update, context, Kind.BUTTONS, usecases.plan_for)
    if found is None:
        return
    plan_id, _ = found
    query = callback_query(update)
    await query.answer()
    if isinstance(query.message, Message):
        await set_buttons(query.message, workout_keyboard(plan_id))
