"""The one persistent ConversationHandler holding the dialogs: /profile, /workout and Done
(logging a workout, bot/handlers/done.py, or a typed log waiting for Save,
bot/handlers/typedlog.py).

One handler rather than two, so that starting one dialog leaves the other
(``allow_reentry``) and /cancel leaves whichever is open. Its state is stored under
``DIALOG_NAME`` by the persistence, so a restart resumes every open dialog.

A typed sentence outside any dialog (bot/handlers/workout.typed_request) is an entry point
too, but only while no dialog is open: ``allow_reentry`` tries the entry points before the
open step's handlers, and text inside a step (a typed duration, the limitations, sets) is
that step's.
"""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.handlers import done, generate, plan, profile, texts, typedlog, workout
from bot.handlers.common import READ, reply
from bot.handlers.context import Context
from bot.handlers.states import DIALOG_NAME, State
from bot.handlers.steps import Handler

__all__ = ["NoDialogOpen", "build_dialogs", "cancel", "tap_a_button"]

TEXT = filters.TEXT & ~filters.COMMAND


class NoDialogOpen(MessageHandler[Context, object]):
    """A MessageHandler entry point that takes a message only while no dialog of ``dialogs``
    is open for its user and chat (set once the ConversationHandler is built)."""

    __slots__ = ("dialogs",)

    def __init__(self, message_filter: filters.BaseFilter, callback: Handler) -> None:
        super().__init__(message_filter, callback)
        self.dialogs: ConversationHandler[Context] | None = None

    def check_update(self, update: object) -> bool | dict[str, list[object]] | None:
        if self.dialogs is None or not isinstance(update, Update):
            return None
        # PTB has no public read of a conversation's state: its own lookup, as check_update
        # does it (per user and chat, both present: the ConversationHandler checked).
        key = self.dialogs._get_key(update)
        if self.dialogs._conversations.get(key) is not None:
            return None
        return super().check_update(update)


async def cancel(update: Update, context: Context) -> int:
    """/cancel inside a dialog: drop the draft and leave."""
    context.drop_drafts(profile.DRAFT, workout.DRAFT, done.DRAFT, plan.DRAFT)
    await reply(update, texts.CANCELLED)
    return ConversationHandler.END


async def tap_a_button(update: Update, context: Context) -> None:
    """Text where a button is expected: say so, stay on the step."""
    await reply(update, texts.TAP_A_BUTTON)


def _on(callback: object, prefix: str) -> CallbackQueryHandler[Context, object]:
    return CallbackQueryHandler(callback, pattern=f"^{prefix}")  # type: ignore[arg-type]


def build_dialogs() -> ConversationHandler[Context]:
    """The ConversationHandler of /profile, /workout and Done."""
    typed = NoDialogOpen(TEXT & READ, workout.typed_request)
    with warnings.catch_warnings():
        # Buttons are tracked per user and chat, not per message, on purpose: each handler
        # checks the button is on the dialog's current message (common.is_current).
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        dialogs: ConversationHandler[Context] = ConversationHandler(
            entry_points=[
                CommandHandler("profile", profile.start),
                _on(profile.edit_field, "pf:edit:"),
                CommandHandler("workout", workout.start),
                _on(workout.start, "w:new$"),
                _on(done.start, r"d:\d"),
                CommandHandler("plan", plan.plan_command),
                _on(plan.edit_field, "pl:edit:"),
                typed,
            ],
            states={
                State.PROFILE_LEVEL: [_on(profile.level_chosen, "pf:l:")],
                State.PROFILE_GOALS: [_on(profile.goal_toggled, "pf:g:")],
                State.PROFILE_EQUIPMENT: [_on(profile.equipment_toggled, "pf:e:")],
                State.PROFILE_COACH: [_on(profile.coach_chosen, "pf:c:")],
                State.PROFILE_UNITS: [_on(profile.units_chosen, "pf:u:")],
                State.PROFILE_LIMITATIONS: [
                    _on(profile.limitations_skipped, "pf:x:skip$"),
                    MessageHandler(TEXT, profile.limitations_typed),
                ],
                State.WORKOUT_COACH: [_on(workout.coach_picked, "wk:c:")],
                State.WORKOUT_TYPE: [_on(workout.type_picked, "wk:t:")],
                State.WORKOUT_DURATION: [
                    _on(workout.duration_picked, "wk:d:"),
                    MessageHandler(TEXT, workout.duration_typed),
                ],
                State.WORKOUT_EQUIPMENT: [_on(workout.equipment_toggled, "wk:e:")],
                State.WORKOUT_SUMMARY: [
                    _on(generate.generate, "wk:go$"),
                    _on(workout.field_picked, "wk:f:"),
                    MessageHandler(TEXT & READ, workout.typed_change),
                ],
                State.PLAN_DAYS: [_on(plan.days_toggled, "pl:d:")],
                State.PLAN_TIME: [
                    _on(plan.time_picked, "pl:t:"),
                    MessageHandler(TEXT, plan.time_typed),
                ],
                State.PLAN_ZONE: [
                    _on(plan.zone_picked, "pl:z:"),
                    MessageHandler(TEXT, plan.zone_typed),
                    MessageHandler(filters.LOCATION, plan.zone_located),
                ],
                State.PLAN_LENGTH: [_on(plan.length_picked, "pl:l:")],
                State.PLAN_COACH: [_on(plan.coach_picked, "pl:c:")],
                State.PLAN_KIND: [_on(plan.kind_picked, "pl:k:")],
                State.DONE_MENU: [_on(done.menu_pressed, "dn:m:")],
                State.DONE_SETS: [
                    _on(done.exercise_pressed, "dn:e:"),
                    MessageHandler(TEXT, done.sets_typed),
                ],
                State.DONE_CONFIRM: [
                    _on(typedlog.confirm_pressed, "dn:c:"),
                    MessageHandler(TEXT & READ, typedlog.typed_again),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel), MessageHandler(TEXT & READ, tap_a_button)],
            allow_reentry=True,
            persistent=True,
            name=DIALOG_NAME,
        )
    typed.dialogs = dialogs
    return dialogs
