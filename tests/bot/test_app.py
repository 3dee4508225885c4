"""Running the bot: webhook mode with its secret, and configuration problems as one line
on stderr with exit status 2 (what ``flexflow bot`` shows)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from bot.app import ConfigurationError, run, webhook_config
from tests.bot.conftest import WAIT, BotRunner
from tests.fakes.bot_api import FakeBotAPI
from tests.support.chat import say

SECRET = "hook-Secret_42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    app_settings: Settings, sessions: sessionmaker[Session]
) -> AsyncIterator[BotRunner]:
    port = free_port()
    settings = app_settings.model_copy(
        update={
            "telegram_webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
            "telegram_webhook_secret": SecretStr(SECRET),
            "telegram_webhook_port": port,
        }
    )
    async with BotRunner(settings, sessions) as runner:
        yield runner


async def test_webhook_mode_checks_the_secret(
    fake_bot_api: FakeBotAPI, webhook_bot: BotRunner
) -> None:
    user = fake_bot_api.user(601)
    await say(user, "/start", "MAX here")  # Telegram (the fake) posts it with the secret
    assert {status for _, status in fake_bot_api.webhook_deliveries()} == {200}
    forged = user.message_update("/help")
    assert await fake_bot_api.post_raw_update(forged, secret="wrong") == 403
    assert await fake_bot_api.post_raw_update(forged) == 403
    # Handled after anything the forged posts could have started.
    await say(user, "/history", "No workouts yet")
    assert not any("What I can do" in m.text for m in user.messages)
    assert await fake_bot_api.post_raw_update(forged, secret=SECRET) == 200
    await user.wait_for_text("What I can do", timeout=WAIT)
    assert next(c["command"] for c in fake_bot_api.commands()) == "start"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests build their settings from values only."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def settings(**values: object) -> Settings:
    """Settings from these values (the environment is cleared above; no .env file)."""
    make: Any = Settings
    return cast(Settings, make(_env_file=None, **values))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"telegram_webhook_url": "http://bot.example.com/hook"}, "must use https"),
        ({"telegram_webhook_url": "ftp://bot.example.com/hook"}, "must be an https:// URL"),
        ({"telegram_webhook_url": "https:///hook"}, "must be an https:// URL"),
        ({"telegram_webhook_secret": SecretStr("has spaces")}, "TELEGRAM_WEBHOOK_SECRET must"),
        ({"telegram_webhook_port": 70000}, "TELEGRAM_WEBHOOK_PORT must be 1-65535"),
    ],
)
def test_bad_webhook_configuration(values: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "telegram_webhook_url": "https://bot.example.com/tg/hook",
        "telegram_webhook_secret": SecretStr(SECRET),
    }
    with pytest.raises(ConfigurationError, match=message):
        webhook_config(settings(**(base | values)))


def test_good_webhook_configuration() -> None:
    config = webhook_config(
        settings(
            telegram_webhook_url="https://bot.example.com/tg/hook",
            telegram_webhook_secret=SecretStr(SECRET),
            telegram_webhook_port=8443,
        )
    )
    assert config is not None
    assert (config.url_path, config.port, config.secret_token) == ("tg/hook", 8443, SECRET)
    assert webhook_config(settings()) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "flexflow bot: TELEGRAM_BOT_TOKEN is not set"),
        ({"telegram_bot_token": SecretStr("  ")}, "flexflow bot: TELEGRAM_BOT_TOKEN is not set"),
        ({"telegram_bot_token": SecretStr("hello")}, "does not look like a bot token"),
        (
            {
                "telegram_bot_token": SecretStr("1:abc"),
                "telegram_webhook_url": "http://example.com/x",
                "telegram_webhook_secret": SecretStr(SECRET),
            },
            "TELEGRAM_WEBHOOK_URL must use https",
        ),
    ],
)
def test_run_refuses_bad_configuration_in_one_line(
    values: dict[str, object], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(settings(**values), enqueue=jobs.enqueue_generation)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


@pytest.fixture
def restore_broker() -> Iterator[None]:
    yield
    jobs.setup_broker(None)


@pytest.mark.usefixtures("restore_broker")
def test_run_reports_a_rejected_token(
    fake_bot_api: FakeBotAPI, pg_url: str, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(
            settings(
                telegram_bot_token=SecretStr("123:not-the-token"),
                telegram_api_url=fake_bot_api.url,
                database_url=pg_url,
                redis_url=redis_url,
            ),
            enqueue=jobs.enqueue_generation,
        )
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"flexflow bot: the Bot API at {fake_bot_api.url} rejected TELEGRAM_BOT_TOKEN\n"
    assert "not-the-token" not in err
