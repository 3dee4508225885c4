"""Abuse limits through the real bot: the hourly generation allowance says when the next
workout can start, a flood of updates is dropped with one notice (buttons still answered),
and FLEXFLOW_ALLOWED_USERS refuses strangers without writing anything about them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.settings import Settings
from bot.handlers import texts
from db.models import BotConversation, BotUserData, User, WorkoutRequestRow
from tests.bot.conftest import WAIT, BotRunner, api_errors, press_data
from tests.bot.test_limits import seed
from tests.bot.test_workout import requests_of, to_summary
from tests.fakes.bot_api import FakeBotAPI
from tests.support.chat import say

StartBot = Callable[..., Awaitable[BotRunner]]


@pytest.fixture
async def start_bot(
    app_settings: Settings, sessions: sessionmaker[Session]
) -> AsyncIterator[StartBot]:
    """Starts the bot with some settings changed; stops it after the test."""
    runners: list[BotRunner] = []

    async def start(**changes: Any) -> BotRunner:
        runner = BotRunner(app_settings.model_copy(update=changes), sessions)
        await runner.start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        await runner.stop()


async def test_generate_over_the_hourly_limit_says_when_the_next_can_start(
    fake_bot_api: FakeBotAPI, start_bot: StartBot, sessions: sessionmaker[Session]
) -> None:
    await start_bot(flexflow_generations_per_hour=3)
    seed(sessions, 901, [45.5, 30, 10])  # the oldest leaves the hour in 14.5 minutes
    user = fake_bot_api.user(901, "Quinn")
    summary = await to_summary(user)
    before = len(requests_of(sessions, 901))
    answer = await press_data(user, "wk:go", summary.message_id)
    assert answer.text is None  # answered at once, no spinning button
    refusal = await user.wait_for_text("workouts in the last hour", timeout=WAIT)
    assert refusal.text == (
        "That's 3 workouts in the last hour, the most I write in an hour. "
        "Your next one can start in about 15 minutes: tap /workout then."
    )
    assert len(requests_of(sessions, 901)) == before  # nothing written
    assert user.messages[-2].message_id == summary.message_id
    assert user.messages[-2].keyboard == ()  # the summary's Generate is gone
    assert api_errors(fake_bot_api) == []


async def test_the_limit_is_per_user(
    fake_bot_api: FakeBotAPI, start_bot: StartBot, sessions: sessionmaker[Session]
) -> None:
    await start_bot(flexflow_generations_per_hour=2)
    seed(sessions, 902, [20, 10])
    other = fake_bot_api.user(903, "Other")
    await to_summary(other)
    await press_data(other, "wk:go", other.messages[-1].message_id)
    await other.wait_for_text("writing", timeout=WAIT)
    assert [r.state for r in requests_of(sessions, 903)] == ["queued"]


async def test_a_flood_is_dropped_with_one_notice_and_buttons_still_answered(
    fake_bot_api: FakeBotAPI, start_bot: StartBot
) -> None:
    await start_bot(flexflow_user_updates_per_minute=4)  # a token every 15 s
    flooder = fake_bot_api.user(910, "Flo")
    for _ in range(10):
        flooder.send("hello?")
    notice = await flooder.wait_for_text("Easy there", timeout=WAIT)
    assert notice.text == texts.SLOW_DOWN
    # One chat's updates are handled in order, so the replies before the notice are all in.
    replies = [m.text for m in flooder.messages]
    assert replies.count(texts.NOT_UNDERSTOOD) in (4, 5)  # 5 only if 15 s went by
    # Buttons pressed during the flood are answered (empty: the notice was given), so no
    # button spins; they run no handler.
    queries = [flooder.press_data("h:0", notice.message_id) for _ in range(3)]
    answers = [await flooder.wait_answered(q, timeout=WAIT) for q in queries]
    assert {a.text for a in answers} <= {None, "This button has expired."}
    assert sum(a.text is None for a in answers) >= 2
    assert [m.text for m in flooder.messages].count(texts.SLOW_DOWN) == 1
    # Everyone else is served as usual.
    calm = fake_bot_api.user(911, "Cal")
    await say(calm, "/help", "What I can do")
    assert api_errors(fake_bot_api) == []


async def test_a_button_flood_gets_the_notice_as_the_answer(
    fake_bot_api: FakeBotAPI, start_bot: StartBot
) -> None:
    await start_bot(flexflow_user_updates_per_minute=3)
    user = fake_bot_api.user(912, "Bea")
    anchor = user.send("hi")  # the first of the three updates a minute
    queries = [user.press_data("zz:forged", anchor) for _ in range(6)]
    answers = [(await user.wait_answered(q, timeout=WAIT)).text for q in queries]
    assert answers[:2] == [texts.EXPIRED] * 2
    assert answers[2] in (texts.SLOW_DOWN, texts.EXPIRED)  # EXPIRED only if 20 s went by
    assert answers.count(texts.SLOW_DOWN) == 1
    assert texts.SLOW_DOWN not in [m.text for m in user.messages]  # said in the answer only
    assert api_errors(fake_bot_api) == []


def _rows(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_allow_list_refuses_strangers_and_writes_nothing_about_them(
    fake_bot_api: FakeBotAPI, start_bot: StartBot, sessions: sessionmaker[Session]
) -> None:
    runner = await start_bot(flexflow_allowed_users=frozenset({920, 921}))
    stranger = fake_bot_api.user(929, "Stranger")
    first = stranger.send("/start")
    refusal = await stranger.wait_for_text("private", timeout=WAIT)
    assert refusal.text == texts.NOT_ALLOWED
    for text in ("/workout", "/profile", "/history", "hello", "45"):
        stranger.send(text)
    answer = await press_data(stranger, "wk:go", first)
    assert answer.text == texts.NOT_ALLOWED
    answer = await press_data(stranger, "p:1", first)
    assert answer.text == texts.NOT_ALLOWED
    await stranger.wait_until(
        lambda u: [m.text for m in u.messages] == [texts.NOT_ALLOWED] * 6, timeout=WAIT
    )
    await runner.stop()  # flushes the dialog state the bot holds
    for model in (User, BotUserData, BotConversation, WorkoutRequestRow):
        assert _rows(sessions, model) == 0, model.__tablename__
    # The invited are served.
    await runner.start()
    friend = fake_bot_api.user(921, "Friend")
    await say(friend, "/start", "Welcome to FlexFlow, Friend")
    await to_summary(friend)
    assert _rows(sessions, User) == 1
    assert api_errors(fake_bot_api) == []


async def test_no_allow_list_serves_everyone(
    fake_bot_api: FakeBotAPI, start_bot: StartBot, sessions: sessionmaker[Session]
) -> None:
    await start_bot(flexflow_allowed_users=frozenset())
    user = fake_bot_api.user(930, "Anyone")
    await say(user, "/start", "Welcome to FlexFlow, Anyone")


def test_refusals_fit_a_button_answer() -> None:
    # answerCallbackQuery text is at most 200 characters
    assert len(texts.SLOW_DOWN) <= 200 and len(texts.NOT_ALLOWED) <= 200
