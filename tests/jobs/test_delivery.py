"""Delivery from the worker into Telegram (the strict fake Bot API), through the real
TelegramNotifier: edit the placeholder, further parts as new messages, 429 and 403."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.sendbudget import make_send_limiter
from adapters.settings import Settings
from adapters.telegram import TelegramNotifier
from core.domain import Equipment, WorkoutType
from db.requests import get_request, to_generation_request
from tests.seed import save_plan
from tests.support.requests import add_chat_request
from tests.support.services import sessions_on
from tests.support.workouts import long_workout

pytestmark = pytest.mark.usefixtures("running_worker")

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


@pytest.fixture
def sessions(app_settings: Settings) -> Any:
    yield from sessions_on(app_settings.database_url)


def placeholder(settings: Settings, chat_id: int, text: str) -> int:
    """Send the placeholder the bot would have sent."""
    assert settings.telegram_bot_token is not None
    notifier = TelegramNotifier(
        token=settings.telegram_bot_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        limiter=make_send_limiter(None),
    )
    try:
        return notifier.put(chat_id, text, edit_message_id=None, keyboard=None)
    finally:
        notifier.close()


RequestFor = Callable[..., int]


@pytest.fixture
def request_for(app_settings: Settings, sessions: sessionmaker[Session]) -> RequestFor:
    """``request_for(chat_id, duration=30, workout_type=STRENGTH)``: the placeholder the bot
    would have sent, and the queued request behind it; the request's id."""

    def make(
        chat_id: int, *, duration: int = 30, workout_type: WorkoutType = WorkoutType.STRENGTH
    ) -> int:
        message_id = placeholder(app_settings, chat_id, "MAX is writing your workout…")
        with sessions.begin() as s:
            row = add_chat_request(
                s,
                chat_id,
                name="Alex",
                key=f"test:{chat_id}:{message_id}",
                workout_type=workout_type,
                duration_min=duration,
                equipment=[Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.BENCH],
                message_id=message_id,
            )
            return row.id

    return make


def wait_state(
    sessions: sessionmaker[Session], request_id: int, states: set[str], timeout: float = 30
) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions.begin() as s:
            row = get_request(s, request_id)
            if row is not None and row.state in states:
                return row.state
        time.sleep(0.05)
    raise AssertionError(f"request {request_id} never reached {states}")


def test_the_placeholder_becomes_the_workout_with_its_buttons(
    fake_bot_api: Any, sessions: sessionmaker[Session], request_for: RequestFor
) -> None:
    user = fake_bot_api.user(101)
    request_id = request_for(101)
    placeholder_id = user.last.message_id
    jobs.enqueue_generation(request_id)
    assert wait_state(sessions, request_id, {"delivered"}) == "delivered"
    messages = user.messages
    assert len(messages) == 1  # edited in place, nothing sent twice
    assert messages[0].message_id == placeholder_id
    assert "MAX" in messages[0].text and "Warm-up" in messages[0].text
    assert messages[0].edits == ("MAX is writing your workout…",)
    assert messages[0].buttons == PLAN_BUTTONS


def test_a_long_workout_arrives_in_several_messages_each_within_limits(
    fake_bot_api: Any, sessions: sessionmaker[Session], request_for: RequestFor
) -> None:
    user = fake_bot_api.user(102)
    request_id = request_for(102, duration=180, workout_type=WorkoutType.HIIT)
    with sessions.begin() as s:  # a plan too long for one message, saved before the job runs
        row = get_request(s, request_id)
        assert row is not None
        save_plan(s, row, long_workout(to_generation_request(s, row)), "rule_based", None)
    jobs.enqueue_generation(request_id)
    wait_state(sessions, request_id, {"delivered"})
    messages = user.messages
    assert len(messages) >= 2
    assert all(len(m.text) <= 4096 for m in messages)
    assert messages[-1].buttons == PLAN_BUTTONS  # buttons under the last part
    assert all(not m.buttons for m in messages[:-1])
    with sessions.begin() as s:
        row = get_request(s, request_id)
        assert row is not None
        assert row.delivered_message_ids == [m.message_id for m in messages]


def test_429_waits_its_retry_after_then_delivers_once(
    fake_bot_api: Any, sessions: sessionmaker[Session], request_for: RequestFor
) -> None:
    user = fake_bot_api.user(103)
    request_id = request_for(103)
    fake_bot_api.fail_next("editMessageText", code=429, retry_after=1, chat_id=103)
    jobs.enqueue_generation(request_id)
    wait_state(sessions, request_id, {"delivered"})
    edits = [c for c in fake_bot_api.calls("editMessageText")]
    assert len(edits) == 2  # refused once, then accepted
    assert edits[1].at - edits[0].at >= 1.0
    assert len(user.messages) == 1


def test_403_marks_the_user_blocked_and_stops(
    fake_bot_api: Any, sessions: sessionmaker[Session], request_for: RequestFor
) -> None:
    from db.users import get_user_by_telegram_id

    fake_bot_api.user(104)
    request_id = request_for(104)
    fake_bot_api.block(104)
    jobs.enqueue_generation(request_id)
    assert wait_state(sessions, request_id, {"failed", "delivered"}) == "failed"
    time.sleep(0.5)
    assert len(fake_bot_api.calls("editMessageText")) == 1  # no retries against a blocked chat
    with sessions.begin() as s:
        user = get_user_by_telegram_id(s, 104)
        assert user is not None and user.blocked
        row = get_request(s, request_id)
        assert row is not None and "closed" in (row.failure_reason or "")
