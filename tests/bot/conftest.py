"""Fixtures for the bot's end-to-end tests: the real application on real services.

``bot`` runs the real python-telegram-bot Application (built by bot.app.build_application)
against the strict fake Bot API, on a freshly migrated PostgreSQL database and this test's
Redis, polling with no pause. ``BotRunner.restart()`` stops it and builds a new one on the
same database, as a redeploy would. Generation needs the lead's ``running_worker`` fixture
(tests/plugins/app.py); without it requests stay queued on the stub broker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from telegram.ext import Application

import jobs
from adapters.settings import Settings
from bot.app import ALLOWED_UPDATES, build_application, setup_bot, webhook_config
from core.domain import Equipment, RequestState, WorkoutType
from core.models import WorkoutRequest
from core.pipeline import build_workout
from db.users import upsert_telegram_user
from tests.seed import advance, save_plan
from tests.support.chat import WAIT as WAIT  # the bot tests import these from here
from tests.support.chat import api_errors as api_errors
from tests.support.chat import press as press
from tests.support.chat import press_data as press_data
from tests.support.requests import add_request
from tests.support.services import sessions_on

PLAN_BUTTONS = [
    "▶️ Start: set by set, with rest timers",
    "🔀 Swap",
    "🎲 Regenerate",
    "✅ Done",
    "🖼 How-to",
    "🔁 New workout",
    "📜 History",
]
"""The buttons under a delivered or reopened workout."""


class BotRunner:
    """The bot application, started and stopped the way ``flexflow bot`` does it."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], **build: Any) -> None:
        self.settings = settings
        self.sessions = sessions
        self.build = build
        """More arguments of build_application (``words_ai``)."""
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.starts = 0

    async def start(self) -> Application[Any, Any, Any, Any, Any, Any]:
        """Polling, or the webhook server when the settings name a webhook (as bot.app.run)."""
        application = build_application(
            self.settings, sessions=self.sessions, enqueue=jobs.enqueue_generation, **self.build
        )
        await application.initialize()
        await setup_bot(application)  # post_init: run_polling would call it
        await application.start()
        assert application.updater is not None
        webhook = webhook_config(self.settings)
        if webhook is None:
            await application.updater.start_polling(
                poll_interval=0, allowed_updates=ALLOWED_UPDATES
            )
        else:
            await application.updater.start_webhook(
                **webhook.kwargs(), allowed_updates=ALLOWED_UPDATES
            )
        self.application = application
        self.starts += 1
        return application

    async def stop(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        assert application.updater is not None
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    async def restart(self) -> Application[Any, Any, Any, Any, Any, Any]:
        await self.stop()
        return await self.start()

    async def __aenter__(self) -> BotRunner:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


@pytest.fixture
def sessions(app_settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's migrated database."""
    yield from sessions_on(app_settings.database_url)


@pytest.fixture
async def bot(app_settings: Settings, sessions: sessionmaker[Session]) -> AsyncIterator[BotRunner]:
    """The running bot."""
    async with BotRunner(app_settings, sessions) as runner:
        yield runner


def seed_plans(
    sessions: sessionmaker[Session],
    telegram_id: int,
    count: int,
    *,
    title_prefix: str = "Plan",
    state: str = "delivered",
) -> list[int]:
    """``count`` stored plans for the user, one day apart, oldest first; their plan ids."""
    now = dt.datetime.now(dt.UTC)
    plan_ids = []
    types = list(WorkoutType)
    with sessions.begin() as session:
        user = upsert_telegram_user(session, telegram_id=telegram_id, chat_id=telegram_id, name="S")
        for n in range(count):
            workout_type = types[n % len(types)]
            request = WorkoutRequest(
                coach="SAGE" if n % 2 else "MAX",
                workout_type=workout_type,
                duration_min=20 + n,
                equipment=frozenset({Equipment.DUMBBELLS}),
            )
            workout = build_workout(request, None).workout
            workout = workout.model_copy(update={"title": f"{title_prefix} {n + 1}"})
            row = add_request(
                session,
                user.id,
                coach=request.coach,
                workout_type=workout_type,
                duration_min=request.duration_min,
                equipment=request.equipment,
                chat_id=telegram_id,
            )
            plan = save_plan(session, row, workout, "rule_based", None)
            advance(session, row, RequestState(state))
            stamp = now - dt.timedelta(days=count - n)
            row.created_at = stamp
            plan.created_at = stamp
            plan_ids.append(plan.id)
    return plan_ids
