"""The workout appears in the chat while the AI writes it: frames, edits of the placeholder
by the real worker through the real SDK (the fake AI streaming) and the real notifier into
the strict fake Bot API; at most one a second, then the workout exactly as without frames.
In a private chat as in a group: no draft (``sendMessageDraft``), see the README."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from core.domain import Equipment
from db.requests import get_request
from db.users import upsert_telegram_user
from tests.fakes.messages_api import FakeMessagesAPI
from tests.jobs.test_delivery import placeholder as send_placeholder
from tests.support.requests import add_chat_request, add_request
from tests.support.services import sessions_on

PLACEHOLDER = "MAX is writing your 30-minute strength workout…"


@pytest.fixture
def ai_settings(app_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with FakeMessagesAPI(tokens_per_second=150) as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        settings = app_settings.model_copy(
            update={"anthropic_api_key": SecretStr(fake.api_key), "anthropic_timeout": 30}
        )
        yield settings, fake


@pytest.fixture
def sessions(app_settings: Settings) -> Any:
    yield from sessions_on(app_settings.database_url)


def wait_delivered(sessions: sessionmaker[Session], request_id: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions.begin() as s:
            row = get_request(s, request_id)
            if row is not None and row.state == "delivered":
                return
        time.sleep(0.05)
    raise AssertionError(f"request {request_id} was not delivered")


def test_each_exercise_shows_while_the_ai_writes_then_the_workout_replaces_them(
    ai_settings: Any, fake_bot_api: Any, sessions: sessionmaker[Session]
) -> None:
    settings, fake = ai_settings
    user = fake_bot_api.user(301)
    worker = jobs.start_embedded_worker(settings, threads=2)
    try:
        placeholder = send_placeholder(settings, user.id, PLACEHOLDER)
        with sessions.begin() as s:
            row = add_chat_request(
                s,
                user.id,
                name="Alex",
                key="frames:301",
                duration_min=30,
                equipment=[Equipment.DUMBBELLS, Equipment.BENCH],
                message_id=placeholder,
            )
            request_id = row.id
        jobs.enqueue_generation(request_id)
        wait_delivered(sessions, request_id)
    finally:
        worker.stop()
        jobs.setup_broker(None)
    (message,) = user.messages  # one message: the placeholder, edited
    assert message.message_id == placeholder
    frames = message.edits[1:]
    assert message.edits[0] == PLACEHOLDER
    assert len(frames) >= 2, "frames were not shown as the exercises came"
    answered = fake.requests[-1].body
    assert answered["stream"] is True
    names = [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", message.text, re.M)]
    for frame in frames:
        assert frame.startswith(PLACEHOLDER)
        shown = [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", frame, re.M)]
        assert shown and shown == names[: len(shown)]  # finished exercises, in order
        assert len(frame) <= 4096
    counts = [len(re.findall(r"^\d+\. ", f, re.M)) for f in frames]
    assert counts == sorted(counts)
    # The workout itself, as always: the keyboard under it, no "writing" line left.
    assert not message.text.startswith(PLACEHOLDER)
    assert "Swap" in " ".join(message.buttons)
    edits = [c for c in fake_bot_api.calls("editMessageText") if c.status == 200]
    frame_times = [c.at for c in edits][: len(frames)]
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(frame_times))
    assert fake_bot_api.calls("sendMessageDraft") == [] and user.drafts == []
    assert fake_bot_api.errors() == []
    print(
        f"{len(frames)} frame(s); the first:\n{frames[0]}\n--- the workout:\n{message.text[:300]}"
    )


def test_a_group_watches_the_same_edits_of_the_placeholder(
    ai_settings: Any, fake_bot_api: Any, sessions: sessionmaker[Session]
) -> None:
    """Drafts are for private chats only (a group's would be TEXTDRAFT_PEER_INVALID): a
    group's request shows its frames as edits of the placeholder, then the workout in it."""
    settings, _ = ai_settings
    group = fake_bot_api.group(-4_000_321, "Gym crew")
    worker = jobs.start_embedded_worker(settings, threads=2)
    try:
        placeholder = send_placeholder(settings, group, PLACEHOLDER)
        with sessions.begin() as s:
            user = upsert_telegram_user(s, telegram_id=321, chat_id=group, name="Alex")
            row = add_request(
                s,
                user.id,
                key="frames:group",
                equipment=[Equipment.DUMBBELLS, Equipment.BENCH],
                chat_id=group,
                message_id=placeholder,
            )
            request_id = row.id
        jobs.enqueue_generation(request_id)
        wait_delivered(sessions, request_id)
    finally:
        worker.stop()
        jobs.setup_broker(None)
    (message,) = fake_bot_api.messages(group)  # the placeholder, edited: frames, the workout
    assert message.message_id == placeholder and message.edits[0] == PLACEHOLDER
    frames = message.edits[1:]
    assert len(frames) >= 2 and all(f.startswith(PLACEHOLDER) for f in frames)
    assert "Swap" in " ".join(message.buttons)
    assert fake_bot_api.calls("sendMessageDraft") == [] and fake_bot_api.drafts(group) == []
    assert fake_bot_api.errors() == []
