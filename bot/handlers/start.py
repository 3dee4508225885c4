"""/start: register the user (idempotent) and greet them in the default coach's voice."""

from __future__ import annotations

from telegram import Update

import usecases
from bot.handlers import texts
from bot.handlers.common import db, member, reply
from bot.handlers.context import Context

__all__ = ["start"]


async def start(update: Update, context: Context) -> None:
    """/start: register, greet, point at /profile and /workout."""
    who = member(update)
    has_profile = await db(context, usecases.register, who)
    await reply(update, texts.greeting(who.name, has_profile))
