"""Fixtures for whole-system tests: settings on real services, and a running worker.

- ``app_settings``: a freshly migrated PostgreSQL database, this test's Redis, the strict
  fake Bot API (``fake_bot_api``) as TELEGRAM_API_URL, no AI key (rule-based generator).
- ``running_worker``: a real Dramatiq worker on the Redis broker, delivering through the
  real TelegramNotifier into the fake Bot API. The global broker is the Redis one while it
  runs, so ``jobs.enqueue_generation`` from the bot reaches it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from tests.fakes.messages_api import FakeMessagesAPI
from tests.support.services import QUIET_AI, migrated_settings, sessions_on


@pytest.fixture
def app_settings(pg_url: str, redis_url: str, fake_bot_api: Any) -> Settings:
    """Settings for the bot and the worker of one test (database already migrated)."""
    return migrated_settings(
        pg_url, redis_url, telegram=fake_bot_api, **QUIET_AI, flexflow_worker_threads=4
    )


@pytest.fixture
def running_worker(app_settings: Settings) -> Iterator[jobs.EmbeddedWorker]:
    """A real worker (4 threads) on the Redis broker, delivering into the fake Bot API."""
    worker = jobs.start_embedded_worker(app_settings, threads=4)
    try:
        yield worker
    finally:
        worker.stop()
        jobs.setup_broker(None)


@pytest.fixture
def job_settings(pg_url: str, redis_url: str) -> Settings:
    """Settings for a worker on this test's database and Redis, with no AI and no bot."""
    return migrated_settings(pg_url, redis_url, **QUIET_AI, telegram_bot_token=None)


@pytest.fixture
def sessions(job_settings: Settings) -> Iterator[sessionmaker[Session]]:
    yield from sessions_on(job_settings.database_url)


@pytest.fixture
def redis_broker(job_settings: Settings) -> Iterator[object]:
    """The global Dramatiq broker on this test's Redis; the stub broker again afterwards."""
    broker = jobs.setup_broker(job_settings.redis_url)
    yield broker
    broker.close()
    jobs.setup_broker(None)


def stop_group(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM to the group of a process that has one (``spawn_worker``'s), as a process
    manager sends it, then wait for it; nothing when it has already exited."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)


def spawn_worker(
    settings: Settings,
    fake: FakeMessagesAPI,
    logs: Path,
    name: str,
    *,
    threads: int | None = 8,
    ai_concurrency: int = 5,
    env: dict[str, str] | None = None,
    verbose: bool = False,
) -> subprocess.Popen[bytes]:
    """A real ``flexflow worker`` process (own process group) on the test's services.

    ``env`` adds or overrides variables (a bot token and TELEGRAM_API_URL to deliver into
    the fake Bot API, shorter AI timeouts); ``verbose`` logs debug lines too; ``threads``
    None leaves the worker's own default.
    """
    extra = env or {}
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(logs),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "ANTHROPIC_API_KEY": fake.api_key,
        "ANTHROPIC_BASE_URL": fake.url,
        "ANTHROPIC_TIMEOUT": "10",
        "ANTHROPIC_MAX_RETRIES": "0",
        "FLEXFLOW_AI_CONCURRENCY": str(ai_concurrency),
    }
    env = {**base, **extra}
    log = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flexflow.cli",
            *(["-v"] if verbose else []),
            "worker",
            "--processes",
            "1",
            *(["--threads", str(threads)] if threads is not None else []),
        ],
        cwd=logs,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
