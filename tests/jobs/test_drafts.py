"""Frames as a private chat's draft (FLEXFLOW_FRAMES=drafts): the real worker through the real
SDK (the fake AI streaming) and the real notifier into the strict fake Bot API. The draft
shows each exercise as it is written, the workout arrives as a new message that replaces it,
the placeholder is deleted, and the workout is delivered once; a group gets edits."""

from __future__ import annotations

import itertools
import re
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
from tests.jobs.test_frames import wait_delivered
from tests.support.requests import add_chat_request, add_request
from tests.support.services import sessions_on
from usecases.frames import draft_id_for

PLACEHOLDER = "MAX is writing your 30-minute strength workout…"
GEAR = [Equipment.DUMBBELLS, Equipment.BENCH]


@pytest.fixture
def draft_settings(app_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with FakeMessagesAPI(tokens_per_second=150) as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        settings = app_settings.model_copy(
            update={
                "anthropic_api_key": SecretStr(fake.api_key),
                "anthropic_timeout": 30,
                "flexflow_frames": "drafts",
            }
        )
        yield settings, fake


@pytest.fixture
def sessions(app_settings: Settings) -> Any:
    yield from sessions_on(app_settings.database_url)


def run_one(settings: Settings, sessions: sessionmaker[Session], request_id: int) -> None:
    worker = jobs.start_embedded_worker(settings, threads=2)
    try:
        jobs.enqueue_generation(request_id)
        wait_delivered(sessions, request_id)
    finally:
        worker.stop()
        jobs.setup_broker(None)


def numbered(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", text, re.M)]


def test_a_private_chat_watches_a_draft_then_gets_the_workout_once(
    draft_settings: Any, fake_bot_api: Any, sessions: sessionmaker[Session]
) -> None:
    settings, _ = draft_settings
    user = fake_bot_api.user(311)
    placeholder = send_placeholder(settings, user.id, PLACEHOLDER)
    with sessions.begin() as s:
        row = add_chat_request(s, user.id, key="drafts:311", equipment=GEAR, message_id=placeholder)
        request_id = row.id
    # The placeholder's deletion meets flood control once: the retry deletes it then, and
    # sends nothing twice.
    fake_bot_api.fail_next("deleteMessage", code=429, retry_after=1, chat_id=user.id)
    run_one(settings, sessions, request_id)

    (message,) = user.messages  # the workout; the placeholder is gone
    assert message.message_id != placeholder and message.edits == ()
    assert "Swap" in " ".join(message.buttons)
    assert not message.text.startswith(PLACEHOLDER)
    (draft,) = user.drafts  # one draft, animated frame by frame, replaced by the workout
    assert draft.draft_id == draft_id_for(request_id)
    assert draft.replaced_by == message.message_id
    assert len(draft.frames) >= 2, "frames were not shown as the exercises came"
    names = numbered(message.text)
    counts = []
    for frame in draft.frames:
        assert frame.text.startswith(PLACEHOLDER)
        shown = numbered(frame.text)
        assert shown and shown == names[: len(shown)]  # finished exercises, in order
        counts.append(len(shown))
    assert counts == sorted(counts)
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise(draft.frames))
    # No frame as an edit, one workout message, the placeholder deleted (once it went out).
    assert [c for c in fake_bot_api.calls("editMessageText") if c.chat_id == user.id] == []
    sends = [c for c in fake_bot_api.calls("sendMessage") if c.chat_id == user.id]
    assert [c.status for c in sends] == [200, 200]  # the placeholder, the workout
    deletes = [c.status for c in fake_bot_api.calls("deleteMessage")]
    assert deletes == [429, 200]
    assert fake_bot_api.messages(user.id, include_deleted=True)[0].deleted
    with sessions.begin() as s:
        stored = get_request(s, request_id)
        assert stored is not None and stored.state == "delivered"
        assert stored.delivered_message_ids == [message.message_id]
    assert fake_bot_api.errors() == []


def test_a_group_gets_edits_of_the_placeholder_even_with_drafts_set(
    draft_settings: Any, fake_bot_api: Any, sessions: sessionmaker[Session]
) -> None:
    settings, _ = draft_settings
    group = fake_bot_api.group(-4_000_321, "Gym crew")
    placeholder = send_placeholder(settings, group, PLACEHOLDER)
    with sessions.begin() as s:
        user = upsert_telegram_user(s, telegram_id=321, chat_id=group, name="Alex")
        row = add_request(
            s, user.id, key="drafts:group", equipment=GEAR, chat_id=group, message_id=placeholder
        )
        request_id = row.id
    run_one(settings, sessions, request_id)

    (message,) = fake_bot_api.messages(group)  # the placeholder, edited: frames, then workout
    assert message.message_id == placeholder
    assert message.edits[0] == PLACEHOLDER
    frames = message.edits[1:]
    assert len(frames) >= 2 and all(f.startswith(PLACEHOLDER) for f in frames)
    assert "Swap" in " ".join(message.buttons)
    assert fake_bot_api.calls("sendMessageDraft") == []
    assert fake_bot_api.calls("deleteMessage") == []
    assert fake_bot_api.drafts(group) == []
    assert fake_bot_api.errors() == []
