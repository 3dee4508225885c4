"""/start, /help, the command menu, text outside a dialog, 429 and 403 on the bot's sends."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.users import get_user_by_telegram_id
from tests.bot.conftest import WAIT, BotRunner
from tests.fakes.bot_api import FakeBotAPI
from tests.support.chat import say

pytestmark = pytest.mark.usefixtures("bot")


def blocked(sessions: sessionmaker[Session], telegram_id: int) -> bool | None:
    with sessions.begin() as session:
        user = get_user_by_telegram_id(session, telegram_id)
        return None if user is None else user.blocked


async def test_start_registers_and_greets_in_max_voice(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(101, "<b>Sam & Co</b>")
    hello = await say(user, "/start", "MAX here")
    assert "Welcome to FlexFlow, <b>Sam & Co</b>!" in hello.text  # shown literally, not bold
    assert "/profile" in hello.text and "/workout" in hello.text
    assert [e.type for e in hello.entities] == ["bold"]  # MAX only: the name is not markup
    user.send("/start")
    await user.wait_until(lambda u: len(u.messages) == 2, timeout=WAIT)
    with bot.sessions.begin() as session:
        row = get_user_by_telegram_id(session, 101)
        assert row is not None and row.name == "<b>Sam & Co</b>" and row.chat_id == 101
    assert fake_bot_api.errors() == []


async def test_command_menu_and_help(fake_bot_api: FakeBotAPI) -> None:
    names = [c["command"] for c in fake_bot_api.commands()]
    assert names == [
        "start", "profile", "workout", "history", "progress", "plan", "export", "help", "cancel",
    ]  # fmt: skip
    user = fake_bot_api.user(102)
    user.send("/help")
    text = (await user.wait_for_text("What I can do", timeout=WAIT)).text
    for name in names:
        assert f"/{name}" in text


async def test_text_and_cancel_outside_a_dialog(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(103)
    await say(user, "hello?", "I work with commands")
    await say(user, "/cancel", "nothing to cancel")


async def test_429_waits_retry_after_then_succeeds(fake_bot_api: FakeBotAPI) -> None:
    user = fake_bot_api.user(104)
    fake_bot_api.fail_next("sendMessage", code=429, retry_after=1, chat_id=104)
    await say(user, "/start", "MAX here")
    sends = [c for c in fake_bot_api.calls("sendMessage") if c.chat_id == 104]
    assert [c.status for c in sends] == [429, 200]
    assert sends[1].at - sends[0].at >= 0.95


async def test_403_marks_the_user_blocked_until_they_write_again(
    fake_bot_api: FakeBotAPI, bot: BotRunner
) -> None:
    user = fake_bot_api.user(105)
    await say(user, "/start", "MAX here")
    assert blocked(bot.sessions, 105) is False
    user.block_bot()
    user.send("/help")
    await user.wait_until(lambda _: blocked(bot.sessions, 105), timeout=WAIT, what="blocked")
    assert [c.status for c in fake_bot_api.calls("sendMessage") if c.chat_id == 105][-1] == 403
    user.unblock_bot()
    user.send("/start")
    await user.wait_until(lambda u: len(u.messages) == 2, timeout=WAIT)
    assert blocked(bot.sessions, 105) is False


async def test_a_failing_handler_is_logged_and_the_user_hears_about_it(
    fake_bot_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    user = fake_bot_api.user(106)
    fake_bot_api.fail_next("sendMessage", code=500, chat_id=106, description="Internal Error")
    with caplog.at_level(logging.ERROR, logger="bot.handlers.common"):
        update_id = fake_bot_api.queue_update("message", user.message_update("/help")["message"])
        await user.wait_for_text("Sorry, something went wrong", timeout=WAIT)
    [record] = [r for r in caplog.records if r.name == "bot.handlers.common"]
    assert record.getMessage() == f"update {update_id} failed" and record.exc_info is not None
