"""The Telegram bot: python-telegram-bot dialogs on top of the service layer.

bot.app          build_application, setup_bot, run (``flexflow bot``)
bot.handlers     dialogs, commands, buttons, the error handler
usecases.services     business rules and transactions the handlers call
chat.keyboards    inline keyboards and the dialogs' callback data
bot.persistence  dialog state in the database
bot.ratelimit    outgoing messages under the bot-wide send budget
"""

from __future__ import annotations

__all__: list[str] = []
