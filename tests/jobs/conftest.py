"""Fixtures for the job path: a migrated PostgreSQL, the real Redis broker, a real worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

import jobs
from core.settings import Settings
from db.migrate import upgrade
from db.session import create_db_engine, session_factory


@pytest.fixture
def job_settings(pg_url: str, redis_url: str) -> Settings:
    """Settings for a worker on this test's database and Redis, with no AI and no bot."""
    upgrade(pg_url)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=pg_url,
        redis_url=redis_url,
        telegram_bot_token=None,
        anthropic_api_key=None,
        flexflow_ai_concurrency=5,
        anthropic_timeout=5,
        anthropic_max_retries=0,
    )


@pytest.fixture
def sessions(job_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(job_settings.database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def redis_broker(job_settings: Settings) -> Iterator[object]:
    """The global Dramatiq broker on this test's Redis; the stub broker again afterwards."""
    broker = jobs.setup_broker(job_settings.redis_url)
    yield broker
    broker.close()
    jobs.setup_broker(None)
