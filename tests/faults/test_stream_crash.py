"""A worker SIGKILLed while the AI streams into a chat: a new worker delivers exactly one
workout, in the one placeholder message, and nothing is shown after it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import dramatiq
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from core.domain import Equipment
from db.models import WorkoutPlan
from db.requests import get_request
from tests.fakes.messages_api import FakeMessagesAPI
from tests.jobs.test_delivery import placeholder as send_placeholder
from tests.plugins.app import spawn_worker, stop_group
from tests.support.requests import add_chat_request

PLACEHOLDER = "KAI is writing your 45-minute strength workout…"


def bot_env(settings: Settings) -> dict[str, str]:
    assert settings.telegram_bot_token is not None
    return {
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token.get_secret_value(),
        "TELEGRAM_API_URL": settings.telegram_api_url,
        "ANTHROPIC_TIMEOUT": "60",
    }


def state(sessions: sessionmaker[Session], request_id: int) -> str | None:
    with sessions.begin() as s:
        row = get_request(s, request_id)
        return None if row is None else str(row.state)


def test_sigkill_mid_stream_then_one_workout_in_the_one_placeholder(
    app_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    fake_anthropic: FakeMessagesAPI,
    fake_bot_api: Any,
    tmp_path: Path,
) -> None:
    fake_anthropic.tokens_per_second = 40  # slow: the kill comes mid-answer
    user = fake_bot_api.user(4401)
    placeholder = send_placeholder(app_settings, user.id, PLACEHOLDER)
    with sessions.begin() as s:
        row = add_chat_request(
            s,
            user.id,
            key="crash:4401",
            coach="KAI",
            duration_min=45,
            equipment=[Equipment.DUMBBELLS, Equipment.BENCH],
            message_id=placeholder,
        )
        request_id = row.id
    started: list[subprocess.Popen[bytes]] = []
    try:
        first = spawn_worker(
            app_settings, fake_anthropic, tmp_path, "first", env=bot_env(app_settings)
        )
        started.append(first)
        jobs.enqueue_generation(request_id)
        deadline = time.monotonic() + 60
        while len(user.messages[0].edits) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the placeholder, then at least one frame
        assert len(user.messages[0].edits) >= 2, (tmp_path / "first.log").read_text()[-3000:]
        assert state(sessions, request_id) == "generating"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        frames_before = len(user.messages[0].edits)

        fake_anthropic.tokens_per_second = 400
        started.append(
            spawn_worker(
                app_settings, fake_anthropic, tmp_path, "second", env=bot_env(app_settings)
            )
        )
        deadline = time.monotonic() + 120
        while state(sessions, request_id) != "delivered" and time.monotonic() < deadline:
            time.sleep(0.2)
        log = (tmp_path / "second.log").read_text(errors="replace")
        assert state(sessions, request_id) == "delivered", log[-3000:]
        time.sleep(1.5)  # were a frame still on its way, it would land now
    finally:
        for process in started:
            stop_group(process)
    (message,) = user.messages  # one message in the chat, whatever happened
    assert message.message_id == placeholder
    assert "KAI" in message.text.splitlines()[0]
    assert not message.text.startswith(PLACEHOLDER)  # the workout, not a frame, is last
    assert "Swap" in " ".join(message.buttons)
    assert all(e.startswith(PLACEHOLDER) for e in message.edits)  # every earlier text a frame
    assert len(message.edits) >= frames_before
    assert len(fake_anthropic.requests) == 2  # the killed call, then the new worker's
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(WorkoutPlan)) == 1
        stored = get_request(s, request_id)
        assert stored is not None and stored.delivered_message_ids == [placeholder]
    assert fake_bot_api.errors() == []
