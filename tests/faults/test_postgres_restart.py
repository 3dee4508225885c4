"""PostgreSQL stopped (pg_ctl stop -m fast) while jobs run, then started again.

The shared PostgreSQL serves every test on this machine and is never restarted: this test
runs a cluster of its own (tests/faults/servers.py). The real bot (in this process) and a
real ``flexflow worker`` process use it. While it is down the bot answers with its short
error and the worker's jobs fail and are retried by Dramatiq with backoff; once it is back,
every job completes (each workout delivered once, one plan each) and the bot answers
normally, neither process restarted (the engines' pool_pre_ping drops the dead connections).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from db.models import AIGenerationLog
from tests.bot.conftest import BotRunner, api_errors
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.messages_api import FakeMessagesAPI
from tests.faults.chat import WAIT, plans_per_request, press_generate, rows, workouts_seen
from tests.faults.servers import PrivatePostgres
from tests.plugins.app import spawn_worker, stop_group
from tests.support.services import bot_api_env, migrated_settings, sessions_on

USERS = 4

pytestmark = pytest.mark.skipif(
    PrivatePostgres.available() is not None,
    reason=f"no private PostgreSQL: {PrivatePostgres.available()}",
)


@pytest.fixture
def settings(private_pg: PrivatePostgres, redis_url: str, fake_bot_api: FakeBotAPI) -> Settings:
    url = private_pg.create_database("flexflow")
    return migrated_settings(url, redis_url, telegram=fake_bot_api)


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    yield from sessions_on(settings.database_url)


def generating(sessions: sessionmaker[Session]) -> int:
    return sum(row.state == "generating" for row in rows(sessions))


async def test_postgres_restart_mid_jobs_every_job_completes_and_the_bot_recovers(
    settings: Settings,
    sessions: sessionmaker[Session],
    private_pg: PrivatePostgres,
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> None:
    fake_anthropic.latency = 3.0  # the AI answers while the database is down
    env = bot_api_env(fake_bot_api)
    worker = spawn_worker(settings, fake_anthropic, tmp_path, "worker", threads=USERS, env=env)
    jobs.setup_broker(settings.redis_url)
    runner = BotRunner(settings, sessions)
    await runner.start()
    try:
        users = [fake_bot_api.user(1000 + n, f"U{n}") for n in range(USERS)]
        for user in users:
            await press_generate(user, coach="NOVA")
            await user.wait_for_text("is writing", timeout=WAIT)
        await users[0].wait_until(lambda _: generating(sessions) == USERS, timeout=60)

        private_pg.stop()
        bystander = fake_bot_api.user(1100, "Bee")
        bystander.send("/history")
        await bystander.wait_for_text("something went wrong on my side", timeout=WAIT)
        # every AI call is answered while the database is down: their plans cannot be saved
        await users[0].wait_until(
            lambda _: sum(r.status == 200 for r in fake_anthropic.requests) >= USERS, timeout=30
        )
        await asyncio.sleep(1.0)  # the worker fails to save them and schedules retries
        fake_anthropic.latency = 0.2
        private_pg.start()
        back_at = time.monotonic()
        for user in users:
            await user.wait_until(lambda u: workouts_seen(u), timeout=120)
        await users[0].wait_until(
            lambda _: {r.state for r in rows(sessions)} == {"delivered"}, timeout=WAIT
        )
        recovery = time.monotonic() - back_at

        bystander.send("/history")  # the bot answers normally again, by itself
        await bystander.wait_for_text("No workouts yet", timeout=WAIT)
    finally:
        await runner.stop()
        jobs.setup_broker(None)
        stop_group(worker)
    print(f"PostgreSQL back -> all {USERS} jobs completed in {recovery:.1f} s")

    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "OperationalError" in log  # the outage did hit the jobs
    assert set(plans_per_request(sessions).values()) == {1}
    assert len(plans_per_request(sessions)) == USERS
    for user in users:
        assert len(workouts_seen(user)) == 1  # delivered exactly once
    for row in rows(sessions):
        assert row.delivered_message_ids and row.delivered_message_ids[0] == row.message_id
        assert row.attempts == 1  # claimed once: the answer waited out the outage
    # Each AI call's answer came back in a queue message of its own (the call was parked),
    # whose retries waited out the outage: nobody's AI was asked twice.
    assert len(fake_anthropic.requests) == USERS
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(AIGenerationLog)) == USERS
    assert api_errors(fake_bot_api) == []
