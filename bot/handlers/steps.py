"""The two kinds of dialog step a button drives, built once: choose one value, or toggle many.

Both decorate what is particular to the step and make the handler around it: read the
dialog's draft and the pressed value (``current``, the dialog's ``common.pressed``: a button
of an old message is answered as expired), answer a value the step does not offer as
expired, answer the button, then run the step. The decorated function's name and docstring
are the handler's, so the dialog's states read as before::

    @choose_one(_current, COACHES)
    async def coach_picked(update, context, state, coach) -> Step:
        # its docstring: "A coach button."
        state["coach"] = coach
        return await _show(update, state, State.WORKOUT_TYPE, edit=True)
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Collection, Coroutine
from typing import Any, TypeVar

from telegram import CallbackQuery, Update

from adapters.telegram import markup
from bot.handlers.common import answer_expired, callback_query
from bot.handlers.context import Context
from chat.keyboards import DONE, Rows

__all__ = ["Handler", "Step", "choose_one", "toggle_many"]

D = TypeVar("D")

Step = int | None
"""What a dialog handler returns: the next state, END, or None to stay on the step."""
Handler = Callable[[Update, Context], Coroutine[Any, Any, Step]]
"""A dialog handler, as the ConversationHandler calls it."""
Current = Callable[[Update, Context], Awaitable[tuple[D, str] | None]]
"""The dialog's draft and the pressed value; None (answered) for a button of an old message."""


async def _read(
    current: Current[D], update: Update, context: Context
) -> tuple[CallbackQuery, D, str] | None:
    """The button, the draft and the pressed value; None (answered) for an old message's."""
    pressed = await current(update, context)
    if pressed is None:
        return None
    state, value = pressed
    return callback_query(update), state, value


def choose_one(
    current: Current[D],
    values: Collection[str],
    *,
    answer: Callable[[str], str] | None = None,
    still_open: Callable[[D], bool] | None = None,
) -> Callable[[Callable[[Update, Context, D, str], Awaitable[Step]]], Handler]:
    """A step whose buttons pick one of ``values``: the decorated ``step(update, context,
    draft, value)`` runs once the button is answered (with ``answer(value)`` when given).

    A value not in ``values``, or a draft that ``still_open`` says is past this step, is
    answered as expired and changes nothing.
    """

    def build(step: Callable[[Update, Context, D, str], Awaitable[Step]]) -> Handler:
        @functools.wraps(step)
        async def handler(update: Update, context: Context) -> Step:
            read = await _read(current, update, context)
            if read is None:
                return None
            query, state, value = read
            if value not in values or (still_open is not None and not still_open(state)):
                await answer_expired(query)
                return None
            await query.answer(None if answer is None else answer(value))
            return await step(update, context, state, value)

        return handler

    return build


def toggle_many(
    current: Current[D],
    values: Collection[str],
    chosen: Callable[[D], list[str]],
    keyboard: Callable[[list[str]], Rows],
    *,
    at_least_one: str | None = None,
) -> Callable[[Callable[[Update, Context, D], Awaitable[Step]]], Handler]:
    """A step whose buttons toggle ``values`` in the draft's list ``chosen(draft)``, redrawn
    with ``keyboard``, and a Done button: the decorated ``done(update, context, draft)`` runs
    once Done is answered.

    With ``at_least_one``, Done with nothing chosen is answered with that text and the step
    stays. A value not in ``values`` is answered as expired and changes nothing.
    """

    def build(done: Callable[[Update, Context, D], Awaitable[Step]]) -> Handler:
        @functools.wraps(done)
        async def handler(update: Update, context: Context) -> Step:
            read = await _read(current, update, context)
            if read is None:
                return None
            query, state, value = read
            if value == DONE:
                if at_least_one is not None and not chosen(state):
                    await query.answer(at_least_one)
                    return None
                await query.answer()
                return await done(update, context, state)
            if value not in values:
                await answer_expired(query)
                return None
            picked = chosen(state)
            if value in picked:
                picked.remove(value)
            else:
                picked.append(value)
            await query.answer()
            await query.edit_message_reply_markup(reply_markup=markup(keyboard(picked)))
            return None

        return handler

    return build
