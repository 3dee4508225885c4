"""/profile through the chat: every step by button label, typed limitations, the saved
profile and changing one field, re-prompts, /cancel and buttons of old messages."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, FitnessLevel, Goal, Units
from core.models import Profile
from db.users import get_user_by_telegram_id, load_profile
from tests.bot.conftest import WAIT, BotRunner, press, press_data
from tests.fakes.bot_api import FakeBotAPI, FakeUser
from tests.support.chat import say, tick

pytestmark = pytest.mark.usefixtures("bot")

NASTY = "<b>bad</b> knee & </b> left <i>shoulder"


def saved(sessions: sessionmaker[Session], telegram_id: int) -> Profile | None:
    with sessions.begin() as session:
        user = get_user_by_telegram_id(session, telegram_id)
        return None if user is None else load_profile(session, user.id)


async def fill_profile(user: FakeUser, limitations: str | None) -> None:
    """Walk /profile: Advanced, Strength + Cardio, Dumbbells + Barbell, SAGE, lb."""
    await say(user, "/profile", "Step 1/6")
    assert user.buttons() == ["Beginner", "Intermediate", "Advanced"]
    await press(user, "Advanced")
    goals = await user.wait_for_text("Step 2/6", timeout=WAIT)
    assert "General fitness" in goals.buttons[-2] or "General fitness" in " ".join(goals.buttons)
    await tick(user, "Strength")
    await tick(user, "Cardio")
    await press(user, "General fitness")  # on by default (prefilled); toggled off
    await user.wait_until(lambda u: "General fitness" in u.buttons(), timeout=WAIT)
    await press(user, "Done")
    await user.wait_for_text("Step 3/6", timeout=WAIT)
    await tick(user, "Dumbbells")
    await tick(user, "Barbell")
    await press(user, "Done")
    coaches = await user.wait_for_text("Step 4/6", timeout=WAIT)
    assert coaches.buttons[0] == "🏋️ MAX" and "🧘 SAGE" in coaches.buttons
    assert "SAGE: Mindful mobility and recovery" in coaches.text
    answer = await press(user, "SAGE")
    assert answer.text == "SAGE it is!"
    await user.wait_for_text("Step 5/6", timeout=WAIT)
    await press(user, "lb")
    await user.wait_for_text("Step 6/6", timeout=WAIT)
    if limitations is None:
        await press(user, "Skip")
    else:
        user.send(limitations)
    await user.wait_for_text("Your profile", timeout=WAIT)


async def test_full_profile_dialog_saves_and_shows_the_profile(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(201, "Dana")
    await fill_profile(user, NASTY)
    shown = user.last
    assert shown.text.splitlines()[:7] == [
        "Your profile · Dana",
        "Level: Advanced",
        "Goals: Strength, Cardio",
        "Equipment: Bodyweight, Dumbbells, Barbell",
        "Coach: 🧘 SAGE",
        "Units: lb",
        f"Limitations: {NASTY}",  # exactly as typed: escaped, never markup
    ]
    assert shown.buttons == [
        "✏️ Level", "✏️ Goals", "✏️ Equipment", "✏️ Coach", "✏️ Units", "✏️ Limitations",
    ]  # fmt: skip
    assert saved(bot.sessions, 201) == Profile(
        name="Dana",
        level=FitnessLevel.ADVANCED,
        goals=(Goal.STRENGTH, Goal.CARDIO),
        equipment=frozenset({Equipment.BODYWEIGHT, Equipment.DUMBBELLS, Equipment.BARBELL}),
        preferred_coach="SAGE",
        units=Units.LB,
        limitations=NASTY,
    )
    assert fake_bot_api.errors() == []


async def test_change_one_field_from_the_saved_profile(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(202, "Lee")
    await fill_profile(user, None)
    profile_message = user.last.message_id
    await press(user, "Units")
    prompt = await user.wait_for_text("Weights in kg or lb?", timeout=WAIT)
    assert "Step" not in prompt.text and prompt.message_id == profile_message
    await press(user, "kg")
    await user.wait_for_text("Units: kg", timeout=WAIT)
    profile = saved(bot.sessions, 202)
    assert profile is not None and profile.units is Units.KG
    assert profile.preferred_coach == "SAGE" and profile.limitations is None  # the rest kept


async def test_goals_need_one_and_text_gets_a_reprompt(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(203)
    await say(user, "/profile", "Step 1/6")
    await say(user, "I'm pretty fit", "Please tap one of the buttons above")
    await press(user, "Beginner")
    await user.wait_for_text("Step 2/6", timeout=WAIT)
    await press(user, "General fitness")  # the only goal, now off
    await user.wait_until(lambda u: "General fitness" in u.buttons(), timeout=WAIT)
    answer = await press(user, "Done")
    assert answer.text == "Pick at least one goal."
    assert "Step 2/6" in user.messages[0].text  # the dialog message, still on goals


async def test_cancel_leaves_the_dialog_and_its_buttons_expire(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(204)
    step = await say(user, "/profile", "Step 1/6")
    await say(user, "/cancel", "Cancelled")
    answer = await press(user, "Advanced", message_id=step.message_id)
    assert answer.text == "This button has expired."
    await say(user, "/cancel", "nothing to cancel")
    assert saved(bot.sessions, 204) is None


async def test_buttons_of_an_older_dialog_message_expire(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(205)
    first = await say(user, "/profile", "Step 1/6")
    user.send("/profile")  # starts over in a new message
    await user.wait_until(lambda u: len(u.messages) == 2, timeout=WAIT)
    answer = await press(user, "Beginner", message_id=first.message_id)
    assert answer.text == "This button has expired."
    for data in ("pf:l:olympian", "pf:g:strength", "zz", "pf:edit:password"):
        answer = await press_data(user, data, user.last.message_id)
        assert answer.text == "This button has expired.", data
    await press(user, "Beginner")
    await user.wait_for_text("Step 2/6", timeout=WAIT)
    assert fake_bot_api.errors() == []
