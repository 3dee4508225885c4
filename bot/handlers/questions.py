"""A question typed to the coach ("what can I do instead of squats, my knee hurts"):
answered from the catalogue's facts for the caller's equipment and level
(usecases.question_facts): by Claude in the coach's voice when there is a key (checked by
core.words.checked_answer), else in a templated coach line (bot/handlers/texts.py). Pain
always gets the same fixed line: stop, and see a professional."""

from __future__ import annotations

from telegram import Update

import usecases
from bot.handlers import texts, words
from bot.handlers.common import db, member, reply
from bot.handlers.context import Context
from core.coaches import COACHES, DEFAULT_COACH
from core.questions import Question

__all__ = ["answer"]


async def answer(update: Update, context: Context, question: Question) -> None:
    """Answer ``question`` in one message."""
    found = await db(context, usecases.question_facts, member(update), question)
    facts = found.facts
    coach = COACHES.get(found.coach, DEFAULT_COACH)
    text = texts.question_answer(
        coach,
        question.kind,
        question.exercise,
        facts.exercise,
        facts.alternatives,
        facts.instructions,
        question.pain,
        found.profile,
    )
    said = await words.ai_answer(update, context, facts, coach)
    if said is not None:
        text = texts.ai_question_answer(coach, said, question.pain, found.profile)
    await reply(update, text)
