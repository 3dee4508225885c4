"""A workout typed as one message after it, through the real bot: read back with Save and
Edit, stored only on Save (as Done stores it), never another user's, bad parts quoted back."""

from __future__ import annotations

import pytest

from core.domain import Units
from tests.bot.conftest import WAIT, BotRunner, api_errors, press, press_data
from tests.bot.test_loop import four_exercises, logs_of, seed_workout
from tests.fakes.bot_api import ChatMessage, FakeBotAPI, FakeUser
from tests.support.chat import say

CONFIRM_BUTTONS = ["💾 Save", "✏️ Edit", "✖️ Cancel"]


async def say_new(user: FakeUser, text: str, reply: str) -> ChatMessage:
    """Send ``text`` and wait for a new bot message containing ``reply``."""
    before = len(user.messages)
    user.send(text)
    await user.wait_until(
        lambda u: any(m.from_bot and reply in m.text for m in u.messages[before:]), timeout=WAIT
    )
    return next(m for m in reversed(user.messages) if m.from_bot and reply in m.text)


async def test_a_typed_log_is_shown_back_and_stored_only_on_save(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    seed_workout(bot.sessions, 701, four_exercises(20, Units.KG), Units.KG)
    user = fake_bot_api.user(701)
    shown = await say(user, "goblet sqauts 20x10 20x10 22.5x9, plank 45s 45s 40s", "Is this right?")
    print(shown.text)
    assert "1. Goblet squat: 20×10, 20×10, 22.5×9 kg" in shown.text
    assert "2. Plank: 45s, 45s, 40s" in shown.text
    assert "Not mentioned, so not logged: Push-up, One-arm dumbbell row" in shown.text
    assert shown.buttons == CONFIRM_BUTTONS
    assert logs_of(bot.sessions, 701) == []  # nothing stored before Save
    # Another user cannot save it.
    other = fake_bot_api.user(702)
    own = await say(other, "/help", "What I can do")
    answer = await press_data(other, "dn:c:save", own.message_id)
    assert answer.text == "This button has expired."
    # Typed again: read again, replaces the first reading.
    again = await say_new(user, "goblet squat 3x10@20, pushups 15 12 10", "Is this right?")
    assert "Push-up: bw×15, bw×12, bw×10" in again.text
    await press(user, "Save", message_id=again.message_id)
    logged = await user.wait_for_text("Logged: Logging day", timeout=WAIT)
    assert logged.message_id == again.message_id
    [(_, sets)] = logs_of(bot.sessions, 701)
    assert sets == [
        *[("Goblet squat", n, 10, 20.0, None) for n in (1, 2, 3)],
        ("Push-up", 1, 15, None, None),
        ("Push-up", 2, 12, None, None),
        ("Push-up", 3, 10, None, None),
    ]
    # The old reading's buttons do nothing now.
    answer = await press_data(user, "dn:c:save", shown.message_id)
    assert answer.text == "This button has expired."
    assert len(logs_of(bot.sessions, 701)) == 1
    assert api_errors(fake_bot_api) == []


async def test_did_it_all_edit_and_parts_that_do_not_read(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    seed_workout(bot.sessions, 703, four_exercises(20, Units.KG), Units.KG)
    user = fake_bot_api.user(703)
    bad = await say(user, "goblet squat 20x8, zumba<b> 3x5", "I couldn't read")
    print(bad.text)
    assert "“zumba<b>”" in bad.text  # escaped: shown as typed and "nothing is logged" in bad.text
    assert bad.buttons == []
    # "@22.5" is the weight, not a mention of someone (only @usernames are dropped).
    at = await say(user, "goblet squat 3x8@22.5, plank 45s @flexflow_bot", "Is this right?")
    assert "1. Goblet squat: 22.5×8, 22.5×8, 22.5×8 kg" in at.text
    shown = await say_new(user, "did it all 💪", "Is this right?")
    assert "1. Goblet squat: 20×8, 20×8, 20×8 kg" in shown.text
    assert "4. One-arm dumbbell row: 10×10, 10×10, 10×10 kg" in shown.text
    await press(user, "Edit", message_id=shown.message_id)
    prompt = await user.wait_for_text("1/4 · Goblet squat", timeout=WAIT)
    await press(user, "Cancel", message_id=prompt.message_id)
    await user.wait_for_text("Logging cancelled", timeout=WAIT)
    # A request is still a request, with a workout to log around.
    await say(user, "30 min hiit with ZARA, just a kettlebell", "Your workout")
    assert logs_of(bot.sessions, 703) == []
    assert api_errors(fake_bot_api) == []


async def test_without_a_workout_sets_are_not_a_log(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(704)
    answer = await say(user, "bench 60x8 60x8", "?")  # the request reader's (a bench, gear)
    assert "Is this right?" not in answer.text and "💾 Save" not in answer.buttons
    assert logs_of(bot.sessions, 704) == []


@pytest.mark.usefixtures("running_worker")
async def test_a_new_user_says_it_all_in_words(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    """A new user: a typed request, the workout, a question, then the log typed and saved."""
    user = fake_bot_api.user(731, "Noa")
    await say(user, "/start", "Welcome")
    summary = await say(user, "20 min strength with MAX, dumbbells", "Duration: 20 min")
    await press(user, "Generate", message_id=summary.message_id)
    await user.wait_until(lambda u: any("✅ Done" in m.buttons for m in u.messages), timeout=30)
    await say_new(user, "what can I do instead of lunges, my knee hurts", "physiotherapist")
    shown = await say_new(user, "did it all", "Is this right?")
    await press(user, "Save", message_id=shown.message_id)
    await user.wait_for_text("Logged:", timeout=WAIT)
    await press(user, "Just right", message_id=shown.message_id)
    await user.wait_for_text("Felt: 👌 Just right", timeout=WAIT)
    print(user.render())
    [(log, sets)] = logs_of(bot.sessions, 731)
    assert log.rating == "just_right" and sets
    assert api_errors(fake_bot_api) == []
