"""Redis killed while users press Generate, then started again on the same port.

The real bot (python-telegram-bot, in this process) and a real ``flexflow worker`` process
share a redis-server of this test's own. Chosen behaviour (README, "Faults"): a Generate
during the outage keeps its request ``queued`` and tells the user the workout will come a
little later; the bot keeps answering everything else; once Redis is back, the bot's
requeuer sends the waiting requests and the worker, never restarted, delivers them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from tests.bot.conftest import BotRunner, api_errors
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.messages_api import FakeMessagesAPI
from tests.faults.chat import (
    WAIT,
    plans_per_request,
    press_generate,
    request_states,
    rows,
    workouts_seen,
)
from tests.faults.servers import PrivateRedis
from tests.plugins.app import spawn_worker, stop_group
from tests.support.services import bot_api_env, migrated_settings, sessions_on


@pytest.fixture
def settings(pg_url: str, private_redis: PrivateRedis, fake_bot_api: FakeBotAPI) -> Settings:
    return migrated_settings(pg_url, private_redis.url, telegram=fake_bot_api)


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    yield from sessions_on(settings.database_url)


@pytest.fixture
def worker(
    settings: Settings, fake_bot_api: FakeBotAPI, fake_anthropic: FakeMessagesAPI, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = bot_api_env(fake_bot_api)
    process = spawn_worker(settings, fake_anthropic, tmp_path, "worker", threads=4, env=env)
    try:
        yield process
    finally:
        stop_group(process)


async def test_redis_down_keeps_the_requests_and_sends_them_when_it_is_back(
    settings: Settings,
    sessions: sessionmaker[Session],
    private_redis: PrivateRedis,
    worker: subprocess.Popen[bytes],
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> None:
    jobs.setup_broker(settings.redis_url)
    runner = BotRunner(settings, sessions)
    await runner.start()
    try:
        before = fake_bot_api.user(801, "Before")
        await press_generate(before)
        await before.wait_until(lambda u: workouts_seen(u), timeout=60)  # worker start-up

        private_redis.kill()
        waiting = [fake_bot_api.user(802, "Ann"), fake_bot_api.user(803, "Bo")]
        for user in waiting:
            await press_generate(user, coach="ZARA")
            await user.wait_for_text("your request is saved", timeout=WAIT)
        # Everything else keeps answering while Redis is down.
        before.send("/history")
        await before.wait_for_text("Your workouts", timeout=WAIT)
        before.send("/profile")
        await before.wait_until(lambda u: "level" in u.last.text.lower(), timeout=WAIT)
        await press_generate(waiting[0], coach="KAI")  # asking again: already on its way
        await waiting[0].wait_for_text("already have a workout on the way", timeout=WAIT)
        states = request_states(sessions)
        assert states == {801: "delivered", 802: "queued", 803: "queued"}
        assert worker.poll() is None

        private_redis.start()  # the same port, empty: the worker and bot were not restarted
        back_at = time.monotonic()
        for user in waiting:
            await user.wait_until(lambda u: workouts_seen(u), timeout=60)
        recovery = time.monotonic() - back_at

        after = fake_bot_api.user(804, "After")  # normal service after the outage
        await press_generate(after, coach="SAGE")
        await after.wait_until(lambda u: workouts_seen(u), timeout=WAIT)
        # the last part is out a moment before its row says delivered
        await after.wait_until(lambda _: len(set(request_states(sessions).values())) == 1)
        limiter_keys = redis.Redis.from_url(private_redis.url).keys("flexflow:send:*")
    finally:
        await runner.stop()
        jobs.setup_broker(None)
    print(f"Redis back -> both waiting requests delivered in {recovery:.1f} s")

    assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
    assert request_states(sessions) == {n: "delivered" for n in (801, 802, 803, 804)}
    assert set(plans_per_request(sessions).values()) == {1}
    for row in rows(sessions):
        chat = fake_bot_api.user(int(row.chat_id or 0))
        [seen] = workouts_seen(chat)  # exactly one workout per person
        assert row.delivered_message_ids and row.delivered_message_ids[-1] == seen.message_id
        assert row.delivered_message_ids[0] == row.message_id  # the placeholder became it
    assert len(fake_anthropic.requests) == 4  # one AI call per request, none repeated
    assert fake_anthropic.max_in_flight <= settings.flexflow_ai_concurrency
    assert limiter_keys  # the send budget is shared through Redis again
    assert api_errors(fake_bot_api) == []
