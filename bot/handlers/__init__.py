"""The bot's handlers: the dialogs, the commands and the buttons that work from anywhere.

dialog.py    the persistent ConversationHandler of /profile and /workout
profile.py   /profile's steps          workout.py   /workout's steps
generate.py  Generate, Try again and Regenerate
history.py   /history and opening a plan
progress.py  /progress and /export
swap.py      Swap under a workout      done.py      Done under a workout (logging)
pictures.py  How-to: an exercise's picture and steps
start.py     /start                    common.py    shared helpers, /help, errors
plan.py      /plan, its week and the reminders' Start, Tomorrow and Skip
gates.py     checks every update passes first (allow-list, per-user rate)
texts.py     what the bot says         states.py    the dialogs' states
context.py   what handlers get         drafts.py    the dialogs' drafts (user_data)
steps.py     choose-one and toggle steps, built once
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers import (
    common,
    done,
    generate,
    history,
    live,
    pictures,
    plan,
    progress,
    start,
    swap,
)
from bot.handlers.context import App
from bot.handlers.dialog import build_dialogs

__all__ = ["register"]


def register(application: App) -> None:
    """Add every handler, in the order they are tried, and the error handler."""
    application.add_handler(build_dialogs())
    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler("history", history.history_command))
    application.add_handler(CommandHandler("progress", progress.progress_command))
    application.add_handler(CommandHandler("export", progress.export_command))
    application.add_handler(CommandHandler("help", common.help_command))
    application.add_handler(CommandHandler("cancel", common.cancel_outside))
    application.add_handler(CallbackQueryHandler(history.history_button, pattern=r"^h:"))
    application.add_handler(CallbackQueryHandler(history.plan_button, pattern=r"^p:"))
    application.add_handler(CallbackQueryHandler(generate.retry, pattern=r"^r:"))
    application.add_handler(CallbackQueryHandler(generate.regenerate, pattern=r"^g:"))
    application.add_handler(CallbackQueryHandler(swap.swap_button, pattern=r"^s:"))
    application.add_handler(CallbackQueryHandler(swap.back_button, pattern=r"^b:"))
    application.add_handler(CallbackQueryHandler(pictures.picture_button, pattern=r"^i:"))
    application.add_handler(CallbackQueryHandler(done.rate_button, pattern=r"^f:"))
    application.add_handler(CallbackQueryHandler(plan.session_button, pattern=r"^c:"))
    application.add_handler(CallbackQueryHandler(live.start_button, pattern=r"^t:"))
    application.add_handler(CallbackQueryHandler(live.live_button, pattern=r"^l:"))
    application.add_handler(CallbackQueryHandler(common.stale_button))
    # Only what the bot reads (in a group, what is addressed to it); text is read by the
    # dialogs' entry point first (a typed request), the rest is pointed at the commands.
    read = filters.UpdateType.MESSAGE & common.READ
    application.add_handler(MessageHandler(read, common.outside_dialog_text))
    application.add_error_handler(common.on_error)
