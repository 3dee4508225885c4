"""``flexflow bot`` as a real process with the embedded defaults (no REDIS_URL: the worker
runs inside the bot): a user asks for a workout and gets it; SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from adapters.settings import Settings
from tests.bot.conftest import api_errors, press
from tests.fakes.bot_api import FakeBotAPI
from tests.support.chat import PROCESS, choose_workout


@pytest.fixture
def bot_process(
    app_settings: Settings, fake_bot_api: FakeBotAPI
) -> Iterator[subprocess.Popen[str]]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "REDIS_", "ANTHROPIC_", "DATABASE_"))
    }
    env |= {
        "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
        "TELEGRAM_API_URL": fake_bot_api.url,
        "DATABASE_URL": app_settings.database_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flexflow.cli", "bot"],
        env=env,
        cwd="/",  # no .env file to pick up
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


async def test_flexflow_bot_embedded(
    fake_bot_api: FakeBotAPI, bot_process: subprocess.Popen[str]
) -> None:
    user = fake_bot_api.user(701, "Pat")
    await choose_workout(user, "SAGE", "Flexibility", "15 min", pace=PROCESS)
    await press(user, "Generate")
    await user.wait_until(
        lambda u: any("🔁 New workout" in m.buttons for m in u.messages), timeout=30
    )
    assert user.last.text.startswith("🧘 SAGE")
    assert [c["command"] for c in fake_bot_api.commands()][:3] == ["start", "profile", "workout"]
    bot_process.send_signal(signal.SIGTERM)
    output, _ = bot_process.communicate(timeout=20)
    assert bot_process.returncode == 0, output
    assert api_errors(fake_bot_api) == []


async def test_flexflow_bot_embedded_runs_the_scheduler(
    app_settings: Settings, fake_bot_api: FakeBotAPI, bot_process: subprocess.Popen[str]
) -> None:
    """Without REDIS_URL the scheduler ticks inside the bot: a due reminder arrives, and
    Start shows the workout generated ahead by the in-process worker."""
    import datetime as dt

    from core.domain import WorkoutType
    from db.session import create_db_engine, session_factory
    from usecases import Member, register
    from usecases.schedule import PlanSettings, save_plan

    user = fake_bot_api.user(702, "Kim")
    await choose_workout(user, "MAX", "Strength", "15 min", pace=PROCESS)  # the bot is up
    engine = create_db_engine(app_settings.database_url)
    try:
        sessions = session_factory(engine)
        who = Member(telegram_id=702, chat_id=702, name="Kim")
        register(sessions, who)
        now = dt.datetime.now(dt.UTC)
        due = (now - dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
        plan = PlanSettings((due.weekday(),), due.time(), "UTC", 20, "KAI", WorkoutType.HIIT, None)
        save_plan(sessions, who, plan, now=now - dt.timedelta(hours=1))  # today's is due
    finally:
        engine.dispose()
    reminder = await user.wait_for_text("Today: HIIT · 20 min with KAI", timeout=30)
    await press(user, "Start", message_id=reminder.message_id, timeout=PROCESS.answer)
    await user.wait_until(
        lambda u: (
            "🔀 Swap" in u.messages[-1].buttons
            or any(
                "🔀 Swap" in m.buttons and m.message_id == reminder.message_id for m in u.messages
            )
        ),
        timeout=30,
    )
    bot_process.send_signal(signal.SIGTERM)
    output, _ = bot_process.communicate(timeout=20)
    assert bot_process.returncode == 0, output
    assert "scheduler inside the bot" in output
    assert api_errors(fake_bot_api) == []
