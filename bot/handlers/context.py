"""The context every handler gets, typed: PTB's ``CallbackContext`` with what the bot keeps.

``CONTEXT_TYPES`` is registered on the application (bot.app, ``.context_types``): PTB then
hands every handler a ``Context``, whose bot_data is a ``BotData`` (the process's resources,
not persisted) and whose user_data is the user's dialog drafts (bot/handlers/drafts.py,
persisted with the dialog state).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

import usecases
from adapters.settings import DEFAULT_PICTURE_URL
from bot.aibudget import AIBudget
from bot.handlers.drafts import DraftName, UserData
from bot.requeue import Requeuer
from core.words import WordsAI

__all__ = ["CONTEXT_TYPES", "App", "BotData", "Context"]


class BotData:
    """bot_data: what every handler of this process reaches (not persisted).

    PTB makes it (``BotData()``) when the application is built; build_application sets
    ``sessions`` and ``requeuer`` right after, before any update is handled.
    """

    sessions: usecases.Sessions
    """The database session factory the application was built with."""
    requeuer: Requeuer
    """Requests written while the queue was down (bot/requeue.py)."""
    generations_per_hour: int = usecases.DEFAULT_GENERATIONS_PER_HOUR
    """FLEXFLOW_GENERATIONS_PER_HOUR."""
    words_ai: WordsAI | None = None
    """Claude reading typed requests and answering questions; None: the rules alone."""
    ai_budget: AIBudget = AIBudget(0)
    """Typed messages per user the AI may read a day (FLEXFLOW_AI_MESSAGES_PER_DAY)."""
    picture_url: str = DEFAULT_PICTURE_URL
    """FLEXFLOW_PICTURE_URL: where the exercises' pictures are hosted."""


class Context(CallbackContext[ExtBot[None], UserData, dict[Any, Any], BotData]):
    """The ``context`` of every handler: bot_data and the drafts, typed."""

    __slots__ = ()

    @property
    def sessions(self) -> usecases.Sessions:
        """The database session factory the application was built with."""
        return self.bot_data.sessions

    @property
    def requeuer(self) -> Requeuer:
        """The requeuer the application was built with."""
        return self.bot_data.requeuer

    @property
    def generations_per_hour(self) -> int:
        """Generations a user may start in an hour (FLEXFLOW_GENERATIONS_PER_HOUR)."""
        return self.bot_data.generations_per_hour

    @property
    def picture_url(self) -> str:
        """The exercises' pictures' URL prefix (FLEXFLOW_PICTURE_URL)."""
        return self.bot_data.picture_url

    @property
    def drafts(self) -> UserData:
        """The user's dialog drafts (user_data, persisted with the dialog state)."""
        if self.user_data is None:
            raise ValueError("this update has no user_data")
        return self.user_data

    def drop_drafts(self, *names: DraftName) -> None:
        """Forget these dialogs' drafts (that dialog is over, or left for another one)."""
        if self.user_data is not None:
            for name in names:
                self.user_data.pop(name, None)


CONTEXT_TYPES = ContextTypes(context=Context, user_data=UserData, bot_data=BotData)
"""What PTB makes for every update: a ``Context``, its bot_data and user_data."""

App = Application[ExtBot[None], Context, UserData, dict[Any, Any], BotData, Any]
"""The bot's application, as build_application makes it."""
