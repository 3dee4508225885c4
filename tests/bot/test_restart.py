"""Dialog state lives in the database: the bot restarts in the middle of /workout (a new
Application on the same database) and the user carries on where they were."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.handlers.states import DIALOG_NAME, State
from db.botstate import get_user_data, load_conversations
from tests.bot.conftest import WAIT, BotRunner, api_errors, press
from tests.fakes.bot_api import FakeBotAPI
from tests.support.chat import finish_workout, pick_workout, say, start_workout


def stored_state(sessions: sessionmaker[Session], user_id: int) -> object:
    with sessions.begin() as session:
        return load_conversations(session, DIALOG_NAME).get((user_id, user_id))


def user_data(sessions: sessionmaker[Session], user_id: int) -> dict[str, object] | None:
    with sessions.begin() as session:
        return get_user_data(session, user_id)


async def test_restart_in_the_middle_of_workout(fake_bot_api: FakeBotAPI, bot: BotRunner) -> None:
    user = fake_bot_api.user(501, "Ari")
    await start_workout(user)
    await pick_workout(user, "NOVA", "Mobility")
    # Written while the bot runs (not only when it stops): a crash loses at most a second.
    # The state and the draft are written by two concurrent transactions: wait for both.
    await user.wait_until(
        lambda _: (
            stored_state(bot.sessions, 501) == State.WORKOUT_DURATION
            and "workout" in (user_data(bot.sessions, 501) or {})
        ),
        timeout=WAIT,
    )
    draft = (user_data(bot.sessions, 501) or {})["workout"]
    assert isinstance(draft, dict) and (draft["coach"], draft["type"]) == ("NOVA", "mobility")

    first = bot.application
    await bot.restart()
    assert bot.application is not first and bot.starts == 2

    summary = await finish_workout(user, "35", typed=True, equipment=("Resistance bands",))
    assert summary.text.splitlines()[1:5] == [
        "Coach: ✨ NOVA",
        "Type: Mobility",
        "Duration: 35 min",
        "Equipment: Bodyweight, Resistance bands",
    ]
    await press(user, "Generate")
    await user.wait_for_text("NOVA is writing your 35-minute mobility workout…", timeout=WAIT)
    await user.wait_until(lambda _: stored_state(bot.sessions, 501) is None, timeout=WAIT)
    await user.wait_until(lambda _: user_data(bot.sessions, 501) is None, timeout=WAIT)
    assert api_errors(fake_bot_api) == []


async def test_buttons_of_an_old_message_after_a_restart(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(502)
    coach_step = await start_workout(user)
    await say(user, "/cancel", "Cancelled")
    await bot.restart()
    answer = await press(user, "MAX", message_id=coach_step.message_id)
    assert answer.text == "This button has expired."
    assert api_errors(fake_bot_api) == []
