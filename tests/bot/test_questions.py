"""Questions typed to the bot, through the real bot, without an AI key: the catalogue's
alternatives for the user's equipment in a short coach line, and for pain only the
suggestion to see a professional."""

from __future__ import annotations

from core.domain import Units
from tests.bot.conftest import BotRunner, api_errors
from tests.bot.test_loop import four_exercises, seed_workout
from tests.fakes.bot_api import FakeBotAPI
from tests.support.chat import say

MEDICAL = ("ibuprofen", "ice it", "diagnos", "tendin", "torn", "surgery", "rest it for")


async def test_instead_of_squats_my_knee_hurts(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    user = fake_bot_api.user(711)
    answer = await say(user, "what can I do instead of squats, my knee hurts", "Instead of")
    print(answer.text)
    assert "Instead of Barbell back squat, try:" in answer.text
    assert "Bodyweight only" in answer.text or "Bodyweight" in answer.text  # no profile
    assert "see a doctor or a physiotherapist" in answer.text
    assert "/profile" in answer.text
    said = answer.text.lower().replace("i can't diagnose", "")
    assert not any(word in said for word in MEDICAL)
    assert answer.buttons == []
    assert api_errors(fake_bot_api) == []


async def test_questions_about_the_workout_and_unknown_names(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    seed_workout(bot.sessions, 712, four_exercises(20, Units.KG), Units.KG)
    user = fake_bot_api.user(712)
    # "squat" is the Goblet squat of the user's own workout, not the catalogue's first.
    answer = await say(user, "alternative to squats?", "Instead of")
    assert "Instead of Goblet squat, try:" in answer.text
    how = await say(user, "how do I do a plank?", "Plank")
    assert "Plank</b>" not in how.text and "Plank:" in how.text  # bold, escaped as HTML
    unknown = await say(user, "instead of <zumba>", "by that name")
    assert "“<zumba>”" in unknown.text
    # Other questions, without an AI: the pointer to the commands.
    other = await say(user, "is creatine good?", "I work with commands")
    assert "/workout" in other.text
    assert api_errors(fake_bot_api) == []
