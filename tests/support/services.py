"""Settings, database sessions and process environments for a test's own services.

The fixtures that build settings (tests/plugins/app.py, the fault tests) and every
``sessions`` fixture go through these, so a change to how the app is configured for a
test is made here once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from adapters.settings import Settings
from db.migrate import upgrade
from db.session import create_db_engine, session_factory
from tests.fakes.bot_api import FakeBotAPI

QUIET_AI: dict[str, Any] = {
    "anthropic_api_key": None,
    "anthropic_timeout": 5,
    "anthropic_max_retries": 0,
    "flexflow_ai_concurrency": 5,
}
"""No AI key (the rule-based generator), and short AI timeouts should a test add one."""


def migrated_settings(
    database_url: str,
    redis_url: str | None,
    *,
    telegram: FakeBotAPI | None = None,
    **values: Any,
) -> Settings:
    """Settings on these services from ``values`` (no .env file), the Bot API the
    ``telegram`` fake when given; the database is migrated first."""
    upgrade(database_url)
    if telegram is not None:
        values |= {
            "telegram_bot_token": SecretStr(telegram.token),
            "telegram_api_url": telegram.url,
        }
    return Settings(
        _env_file=None,
        database_url=database_url,
        redis_url=redis_url,
        **values,
    )


def sessions_on(database_url: str) -> Iterator[sessionmaker[Session]]:
    """For a ``sessions`` fixture to yield from: sessions on the database, the engine
    disposed of after the test."""
    engine = create_db_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


def bot_api_env(fake: FakeBotAPI) -> dict[str, str]:
    """The environment that points a ``flexflow`` process at the fake Bot API."""
    return {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url}
