"""The Telegram bot: python-telegram-bot dialogs on top of the application layer (usecases).

    bot.app          build_application, setup_bot, run (``flexflow bot`` calls it)
    bot.handlers     dialogs, commands, buttons, the error handler (one module per feature)
    bot.persistence  dialog state in the database
    bot.ratelimit    outgoing messages under the bot-wide send budget (adapters.sendbudget)
    bot.requeue      requests written while the queue was down, queued once it is back
    bot.throttle     how many updates a minute one person may send
    bot.updates      updates of different people at once, of one person in order

Keyboards and callback data are the chat's (chat/); the handlers call use cases only.
"""
