"""``flexflow doctor`` as an operator runs it: one plain line per check, each failure for
real (a stopped server, a refused token or key), exit 1 when anything is wrong, 0 when all is
well, and never a secret in what it prints."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from db.migrate import upgrade
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.messages_api import FakeMessagesAPI

WRONG_TOKEN = "987654:WRONG-token-do-not-print"
WRONG_KEY = "sk-ant-wrong-key-do-not-print"
DB_PASSWORD = "pg-password-do-not-print"


def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def doctor(cwd: Path, env: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """Run it in a clean environment: exit code, {check: line}, everything printed."""
    clean = {"PATH": os.environ["PATH"], "HOME": str(cwd), "LANG": "C.UTF-8"} | env
    result = subprocess.run(
        [sys.executable, "-m", "flexflow.cli", "doctor"],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = {}
    for line in result.stdout.splitlines():
        status, name, detail = line.split(maxsplit=2)
        lines[name] = f"{status} {detail}"
    return result.returncode, lines, result.stdout + result.stderr


@pytest.fixture
def healthy(
    pg_url: str, redis_url: str, fake_bot_api: FakeBotAPI, fake_anthropic: FakeMessagesAPI
) -> dict[str, str]:
    """An environment where every check passes."""
    upgrade(pg_url)
    return {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
        "TELEGRAM_API_URL": fake_bot_api.url,
        "ANTHROPIC_API_KEY": fake_anthropic.api_key,
        "ANTHROPIC_BASE_URL": fake_anthropic.url,
    }


def test_all_fine_exits_0(tmp_path: Path, healthy: dict[str, str]) -> None:
    code, lines, out = doctor(tmp_path, healthy)
    assert code == 0, out
    assert list(lines) == ["config", "database", "redis", "telegram", "anthropic"]
    assert all(line.startswith("ok ") for line in lines.values()), out
    assert "migrated" in lines["database"]
    assert "token accepted" in lines["telegram"]
    assert "key accepted" in lines["anthropic"]
    for secret in (healthy["TELEGRAM_BOT_TOKEN"], healthy["ANTHROPIC_API_KEY"]):
        assert secret not in out


def test_no_token(tmp_path: Path, healthy: dict[str, str]) -> None:
    del healthy["TELEGRAM_BOT_TOKEN"]
    code, lines, _out = doctor(tmp_path, healthy)
    assert code == 1
    assert lines["telegram"] == "BAD TELEGRAM_BOT_TOKEN is not set: the bot cannot start"
    assert [name for name, line in lines.items() if line.startswith("BAD")] == ["telegram"]


def test_each_service_refusing_gets_its_own_plain_line(
    tmp_path: Path, healthy: dict[str, str]
) -> None:
    """The Bot API rejects the token, the AI key is refused, the database and Redis are
    down: one run names all four, and prints none of the secrets."""
    healthy |= {
        "TELEGRAM_BOT_TOKEN": WRONG_TOKEN,
        "ANTHROPIC_API_KEY": WRONG_KEY,
        "DATABASE_URL": (
            f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:{closed_port()}/flexflow"
        ),
        "REDIS_URL": f"redis://:redis-pass-do-not-print@127.0.0.1:{closed_port()}/0",
    }
    code, lines, out = doctor(tmp_path, healthy)
    assert code == 1
    assert lines["config"].startswith("ok ")
    assert lines["telegram"] == "BAD the Bot API refused TELEGRAM_BOT_TOKEN: Unauthorized"
    assert lines["anthropic"] == "BAD the API refused ANTHROPIC_API_KEY"
    database = lines["database"]
    assert database.startswith("BAD cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:")
    assert "Connection refused" in database
    assert lines["redis"].startswith("BAD REDIS_URL is set but Redis does not answer:")
    assert "Connection refused" in lines["redis"]
    for secret in (WRONG_TOKEN, "WRONG-token", WRONG_KEY, DB_PASSWORD, "redis-pass-do-not-print"):
        assert secret not in out


def test_bot_api_unreachable_and_unknown_model(
    tmp_path: Path, healthy: dict[str, str], fake_anthropic: FakeMessagesAPI
) -> None:
    fake_anthropic.unknown_models.add("claude-nope")
    healthy["ANTHROPIC_MODEL"] = "claude-nope"
    healthy["TELEGRAM_API_URL"] = f"http://127.0.0.1:{closed_port()}"
    code, lines, out = doctor(tmp_path, healthy)
    assert code == 1
    assert lines["telegram"].startswith("BAD cannot connect to the Bot API at http://127.0.0.1:")
    assert lines["anthropic"] == "BAD ANTHROPIC_MODEL 'claude-nope' does not exist"
    assert healthy["TELEGRAM_BOT_TOKEN"] not in out


def test_database_not_migrated(tmp_path: Path, healthy: dict[str, str], pg_server: str) -> None:
    # pg_url is migrated by ``healthy``; a second, empty database next to it is not.
    import psycopg

    name = "flexflow_doctor_" + os.urandom(4).hex()
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        healthy["DATABASE_URL"] = (
            make_url(healthy["DATABASE_URL"])
            .set(database=name)
            .render_as_string(hide_password=False)
        )
        code, lines, _out = doctor(tmp_path, healthy)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert code == 1
    assert lines["database"].endswith("is reachable but not migrated: run `flexflow db upgrade`")
    assert [name for name, line in lines.items() if line.startswith("BAD")] == ["database"]


def test_bad_configuration_names_the_variable_not_the_value(
    tmp_path: Path, healthy: dict[str, str]
) -> None:
    healthy["FLEXFLOW_AI_CONCURRENCY"] = "0"
    code, lines, out = doctor(tmp_path, healthy)
    assert code == 1
    assert lines == {
        "config": "BAD FLEXFLOW_AI_CONCURRENCY: Input should be greater than or equal to 1"
    }
    healthy["FLEXFLOW_AI_CONCURRENCY"] = "5"
    healthy["TELEGRAM_WEBHOOK_URL"] = "http://bot.example.com/hook"
    healthy["TELEGRAM_WEBHOOK_SECRET"] = "webhook-secret-do-not-print"
    code, lines, out = doctor(tmp_path, healthy)
    assert code == 1
    assert lines["config"] == "BAD TELEGRAM_WEBHOOK_URL must use https (Telegram requires it)"
    assert "webhook-secret-do-not-print" not in out
