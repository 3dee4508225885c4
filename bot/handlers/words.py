"""Typed words read by the AI when there is one (core.words.WordsAI), within the user's
daily allowance (bot.aibudget), and by the rules otherwise or when the AI fails or is slow.

The AI call is a blocking SDK call with a short timeout: it runs in a worker thread, never
on the bot's event loop.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.handlers.context import Context
from core.coaches import Coach
from core.intent import Intent, parse_request
from core.questions import Facts

__all__ = ["ai_answer", "read_intent"]


def _allowed(update: Update, context: Context) -> bool:
    user = update.effective_user
    return (
        context.bot_data.words_ai is not None
        and user is not None
        and context.bot_data.ai_budget.take(user.id)
    )


async def read_intent(update: Update, context: Context, text: str) -> Intent:
    """The request ``text`` states: Claude's reading, else (no key, over the allowance, a
    failure, or "not a request" where the rules find one) the rule-based parser's."""
    ai = context.bot_data.words_ai
    if ai is not None and _allowed(update, context):
        intent = await asyncio.to_thread(ai.read_request, text)
        if intent is not None and not intent.empty:
            return intent
    return parse_request(text)


async def ai_answer(update: Update, context: Context, facts: Facts, coach: Coach) -> str | None:
    """Claude's answer to the question from ``facts``; None (the templated answer) without
    a key, over the allowance, or when the AI fails or its answer does not hold."""
    ai = context.bot_data.words_ai
    if ai is None or not _allowed(update, context):
        return None
    return await asyncio.to_thread(ai.answer_question, facts, coach)
