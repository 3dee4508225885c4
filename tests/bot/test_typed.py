"""Typed requests through the chat: a sentence opens /workout with what it states, asks
only what is missing, fills the rest from the profile (or the latest request), and Generate
delivers; nonsense gets the old answer; text inside a step stays the step's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Message, Update

import jobs
from bot.handlers.common import READ
from tests.bot.conftest import WAIT, BotRunner, press, seed_plans
from tests.bot.test_workout import give_profile, requests_of
from tests.fakes.bot_api import ChatMessage, FakeBotAPI, FakeUser
from tests.support.chat import pick_workout, say, start_workout

pytestmark = pytest.mark.usefixtures("bot")

NOT_UNDERSTOOD = "I work with commands: /workout for a new workout, /help for the rest."
CHANGE = (
    'Not quite? Type what to change (say "20 min" or "with KAI"), or /workout to pick step by step.'
)


async def summary_after(user: FakeUser, text: str) -> ChatMessage:
    """Type ``text``; the summary it leads to (a new message with Generate)."""
    before = len(user.messages)
    user.send(text)
    await user.wait_until(
        lambda u: len(u.messages) > before and "⚡ Generate" in u.last.buttons, timeout=WAIT
    )
    return user.last


SUMMARY_BUTTONS = ["⚡ Generate", "✏️ Coach", "✏️ Type", "✏️ Minutes", "✏️ Equipment"]


def lines(message: ChatMessage) -> list[str]:
    return message.text.splitlines()


async def test_a_full_sentence_leads_to_the_summary_and_generate_delivers(
    fake_bot_api: FakeBotAPI, bot: BotRunner, running_worker: jobs.EmbeddedWorker
) -> None:
    user = fake_bot_api.user(401, "Ana")
    summary = await summary_after(user, "30 min hiit with ZARA, just a kettlebell")
    assert lines(summary) == [
        "Your workout",
        "Coach: 🔥 ZARA",
        "Type: HIIT",
        "Duration: 30 min",
        "Equipment: Bodyweight, Kettlebell",
        "",
        "Tap Generate when you're ready.",
        CHANGE,
    ]
    assert summary.buttons == SUMMARY_BUTTONS and len(user.messages) == 1  # nothing else asked
    await press(user, "Generate")
    placeholder = await user.wait_for_text("ZARA is writing your 30-minute", timeout=WAIT)
    assert placeholder.message_id == summary.message_id
    await user.wait_until(
        lambda u: any("🔁 New workout" in m.buttons for m in u.messages), timeout=30
    )
    await user.wait_until(
        lambda _: [r.state for r in requests_of(bot.sessions, 401)] == ["delivered"],
        timeout=WAIT,
        what="the request delivered",
    )
    [row] = requests_of(bot.sessions, 401)
    assert (row.coach, row.workout_type, row.duration_min) == ("ZARA", "hiit", 30)
    assert row.equipment == ["bodyweight", "kettlebell"]
    assert fake_bot_api.errors() == []


async def test_only_what_is_missing_is_asked(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(402)
    summary = await summary_after(user, "upper body 45 minutes dumbbells")
    assert lines(summary)[1:5] == [
        "Coach: 🏋️ MAX",
        "Type: Strength",
        "Duration: 45 min",
        "Equipment: Bodyweight, Dumbbells",
    ]
    # No duration: only the duration is asked, then the summary (the equipment is known).
    other = fake_bot_api.user(412)
    asked = await say(other, "upper body dumbbells", "How long?")
    assert "45 min" in asked.buttons
    await press(other, "20 min")
    summary = await other.wait_for_text("Your workout", timeout=WAIT)
    assert summary.message_id == asked.message_id  # the step's message, edited
    assert lines(summary)[2:5] == [
        "Type: Strength",
        "Duration: 20 min",
        "Equipment: Bodyweight, Dumbbells",
    ]


async def test_without_a_profile_type_duration_and_equipment_are_asked_in_turn(
    fake_bot_api: FakeBotAPI,
) -> None:
    user = fake_bot_api.user(403)
    await say(user, "with kai please", "What kind of workout?")
    await press(user, "Cardio")
    await user.wait_for_text("How long?", timeout=WAIT)
    user.send("35")  # a typed duration on the step, as in /workout
    await user.wait_for_text("What do you have today?", timeout=WAIT)
    await press(user, "Done")
    summary = await user.wait_for_text("Your workout", timeout=WAIT)
    assert lines(summary)[1:5] == [
        "Coach: ⚡ KAI",
        "Type: Cardio",
        "Duration: 35 min",
        "Equipment: Bodyweight",
    ]


async def test_the_profile_fills_the_rest(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    give_profile(bot.sessions, 404)  # ZARA, kettlebell and yoga mat
    user = fake_bot_api.user(404)
    summary = await summary_after(user, "strength 1h")
    assert lines(summary)[1:5] == [
        "Coach: 🔥 ZARA",
        "Type: Strength",
        "Duration: 60 min",
        "Equipment: Bodyweight, Kettlebell, Yoga mat",
    ]


async def test_nonsense_gets_the_old_answer(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(405)
    for n, text in enumerate(("hello", "asdfgh", "I have 20 cats", "🍕"), start=1):
        user.send(text)
        await user.wait_until(lambda u, n=n: len(u.messages) == n, timeout=WAIT)  # type: ignore[misc]
        assert user.last.text == NOT_UNDERSTOOD and user.last.keyboard == ()


async def test_text_inside_a_step_is_the_steps(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(406)
    await start_workout(user)
    await pick_workout(user, "KAI", "HIIT")
    # A sentence on the duration step is a duration that does not parse: re-asked.
    await say(user, "30 min hiit with zara", "whole number of minutes")
    user.send("25")
    await user.wait_for_text("What do you have today?", timeout=WAIT)
    await press(user, "Done")
    summary = await user.wait_for_text("Your workout", timeout=WAIT)
    assert "Coach: ⚡ KAI" in summary.text and "Duration: 25 min" in summary.text
    assert "Not quite?" not in summary.text  # begun by buttons


async def test_the_summary_takes_typed_changes(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(407)
    first = await summary_after(user, "hiit 30 min, no equipment")
    changed = await summary_after(user, "make it 20 min with blaze")
    assert changed.message_id != first.message_id
    assert lines(changed)[1:5] == [
        "Coach: 💥 BLAZE",
        "Type: HIIT",
        "Duration: 20 min",
        "Equipment: Bodyweight",
    ]
    await say(user, "lalala", "Please tap one of the buttons above")


async def test_same_as_last_time_reuses_the_latest_request(
    fake_bot_api: FakeBotAPI, sessions: sessionmaker[Session]
) -> None:
    user = fake_bot_api.user(408)
    await say(user, "same as last time", "I don't have an earlier workout")
    asked = await say(user, "same as last time but 20 min", "What kind of workout?")
    note = user.messages[-2]
    assert note.text == "I don't have an earlier workout of yours yet, so let's pick the rest."
    await press(user, "Cardio", message_id=asked.message_id)
    await user.wait_for_text("What do you have today?", timeout=WAIT)  # 20 min: stated
    await say(user, "/cancel", "Cancelled.")
    seed_plans(sessions, 408, 2)  # the latest: SAGE, bodyweight, 21 min, dumbbells
    summary = await summary_after(user, "same as last time but 20 min")
    assert lines(summary)[1:5] == [
        "Coach: 🧘 SAGE",
        "Type: Bodyweight",
        "Duration: 20 min",
        "Equipment: Bodyweight, Dumbbells",
    ]


def _message(bot: Bot, text: str, chat_type: str = "group", **extra: Any) -> Update:
    chat = {"id": -1001, "type": chat_type, "title": "Gym"}
    if chat_type == "private":
        chat = {"id": 9, "type": "private", "first_name": "P"}
    data = {
        "message_id": 5,
        "date": 0,
        "chat": chat,
        "from": {"id": 9, "is_bot": False, "first_name": "P"},
        "text": text,
        **extra,
    }
    return Update(1, message=Message.de_json(data, bot))


def _mention(text: str, name: str) -> list[dict[str, Any]]:
    return [{"type": "mention", "offset": text.index(name), "length": len(name)}]


async def test_in_a_group_only_messages_to_the_bot_are_read(bot: BotRunner) -> None:
    assert bot.application is not None
    api = bot.application.bot  # initialized: it knows its username (getMe)
    name = f"@{api.username}"
    said = f"{name} 30 min hiit"
    other = "@someone_else 30 min hiit"
    own = {"message_id": 4, "date": 0, "chat": {"id": -1001, "type": "group", "title": "Gym"},
           "from": {"id": api.id, "is_bot": True, "first_name": "F"}, "text": "hi"}  # fmt: skip
    theirs = dict(own, **{"from": {"id": 77, "is_bot": False, "first_name": "Q"}})
    assert READ.check_update(_message(api, "30 min hiit", "private"))
    assert not READ.check_update(_message(api, "30 min hiit"))
    assert READ.check_update(_message(api, said, entities=_mention(said, name)))
    assert READ.check_update(_message(api, said.upper(), entities=_mention(said, name)))
    assert not READ.check_update(_message(api, other, entities=_mention(other, "@someone_else")))
    assert READ.check_update(_message(api, "30 min hiit", reply_to_message=own))
    assert not READ.check_update(_message(api, "30 min hiit", reply_to_message=theirs))


async def test_the_summary_has_a_button_for_each_field(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(431, "Eve")
    summary = await summary_after(user, "30 min hiit with ZARA, just a kettlebell")
    mid = summary.message_id
    # The coach: the coach step in place of the summary, then straight back to it.
    await press(user, "✏️ Coach", message_id=mid)
    await user.wait_until(lambda u: "⚡ KAI" in u.buttons(mid), timeout=WAIT)
    await press(user, "KAI", message_id=mid)
    await user.wait_until(lambda u: "⚡ Generate" in u.buttons(mid), timeout=WAIT)
    shown = next(m for m in user.messages if m.message_id == mid)
    assert "Coach: ⚡ KAI" in shown.text and "Type: HIIT" in shown.text
    # The minutes, typed: the summary again as a new message.
    await press(user, "✏️ Minutes", message_id=mid)
    await user.wait_until(lambda u: "45 min" in u.buttons(mid), timeout=WAIT)
    again = await summary_after(user, "25")
    assert "Duration: 25 min" in again.text and "Coach: ⚡ KAI" in again.text
    # The equipment: toggles, Done, the summary.
    await press(user, "✏️ Equipment", message_id=again.message_id)
    await user.wait_until(lambda u: "Barbell" in u.buttons(again.message_id), timeout=WAIT)
    await press(user, "Barbell", message_id=again.message_id)
    await user.wait_until(lambda u: "✅ Barbell" in u.buttons(again.message_id), timeout=WAIT)
    await press(user, "Done", message_id=again.message_id)
    await user.wait_until(lambda u: "⚡ Generate" in u.buttons(again.message_id), timeout=WAIT)
    final = next(m for m in user.messages if m.message_id == again.message_id)
    assert "Equipment: Bodyweight, Barbell, Kettlebell" in final.text
    assert "Type: HIIT" in final.text and "Duration: 25 min" in final.text
    # And the type: the type step, back to the summary.
    await press(user, "✏️ Type", message_id=again.message_id)
    await user.wait_until(lambda u: "Cardio" in u.buttons(again.message_id), timeout=WAIT)
    await press(user, "Cardio", message_id=again.message_id)
    await user.wait_until(lambda u: "⚡ Generate" in u.buttons(again.message_id), timeout=WAIT)
    final = next(m for m in user.messages if m.message_id == again.message_id)
    assert "Type: Cardio" in final.text and "Duration: 25 min" in final.text
