"""No secret in any log line, error message or generation log row, over a full run.

Real processes on the test's services, with secrets unique to the run: ``flexflow db
upgrade``, ``flexflow worker`` and ``flexflow bot`` (their stdout and stderr captured), a
person setting up a profile and asking for two workouts (the first meets an AI error, the
second a good answer), both processes stopped with SIGTERM; then ``flexflow bot`` with a
token the Bot API rejects and one that does not look like a token. The database URL
carries a password (the test server trusts local connections and ignores it, but every
process is handed it). Run once with LOG_FORMAT=json and once with plain lines, and once
more verbose (``-v``: DEBUG), where the libraries say the most.

Every captured line and every stored generation log and failure reason is searched for
the bot token (and its secret half), the API key and the database password.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AIGenerationLog, WorkoutRequestRow
from db.session import create_db_engine, session_factory
from tests.bot.conftest import api_errors, press
from tests.fakes.bot_api import FakeBotAPI, FakeUser
from tests.fakes.messages_api import FakeMessagesAPI, status
from tests.support.chat import Pace, choose_workout, tick

START_TIMEOUT = 60.0
"""Seconds for a process to start and answer (the machine may be busy)."""
PACE = Pace(reply=10.0)
"""The dialogs once the bot has answered."""


class Secrets:
    """This run's secrets, made up fresh so that a hit cannot be a coincidence."""

    def __init__(self) -> None:
        self.token_secret = f"AAH{secrets.token_urlsafe(24)}"
        self.token = f"{secrets.randbelow(10**9) + 10**9}:{self.token_secret}"
        self.api_key = f"sk-ant-api03-{secrets.token_urlsafe(32)}"
        self.db_password = f"pw{secrets.token_hex(12)}"
        self.bad_token_secret = f"AAB{secrets.token_urlsafe(24)}"

    def all(self) -> dict[str, str]:
        return {
            "bot token": self.token,
            "bot token secret": self.token_secret,
            "API key": self.api_key,
            "database password": self.db_password,
            "rejected token secret": self.bad_token_secret,
        }

    def found_in(self, text: str) -> list[str]:
        return [name for name, value in self.all().items() if value in text]


@pytest.fixture
def run_secrets() -> Secrets:
    return Secrets()


@pytest.fixture
def telegram(run_secrets: Secrets) -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=run_secrets.token) as fake:
        yield fake


@pytest.fixture
def anthropic_api(run_secrets: Secrets) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(api_key=run_secrets.api_key) as fake:
        yield fake


@pytest.fixture
def database_url(pg_url: str, run_secrets: Secrets) -> str:
    """The test database's URL with a password in it."""
    assert "postgres@" in pg_url
    return pg_url.replace("postgres@", f"postgres:{run_secrets.db_password}@", 1)


class Processes:
    """``flexflow`` processes on the test's services; every byte they print is kept."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def _log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        with self._log(name).open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "flexflow.cli", *args],
                env={**self.env, **env},
                cwd=self.logs,  # no .env file to pick up
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append((name, process))
        return process

    def run(self, name: str, *args: str, **env: str) -> int:
        process = self.start(name, *args, **env)
        return process.wait(START_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM to each process group, then wait (SIGKILL only if it hangs)."""
        for _, process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def output(self, name: str) -> str:
        return self._log(name).read_text(errors="replace")

    def lines(self) -> list[tuple[str, str]]:
        """(process, line) for every line every process printed."""
        return [(name, line) for name, _ in self.running for line in self.output(name).splitlines()]


def stored_texts(sessions: sessionmaker[Session]) -> list[str]:
    """Every generation log row and failure reason, as text."""
    with sessions.begin() as session:
        logs = session.scalars(select(AIGenerationLog)).all()
        texts = [
            json.dumps(
                {c.key: getattr(row, c.key) for c in AIGenerationLog.__table__.columns},
                default=str,
            )
            for row in logs
        ]
        texts += [r.failure_reason or "" for r in session.scalars(select(WorkoutRequestRow)).all()]
    return texts


async def walk_through(user: FakeUser) -> None:
    """/start, /profile with typed limitations, /workout and Generate."""
    user.send("/start")
    await user.wait_for_text("Welcome to FlexFlow", timeout=START_TIMEOUT)
    user.send("/profile")
    await user.wait_for_text("Step 1/6")
    await press(user, "Intermediate")
    await user.wait_for_text("Step 2/6")
    await press(user, "Done")
    await user.wait_for_text("Step 3/6")
    await tick(user, "Kettlebell", PACE)
    await press(user, "Done")
    await user.wait_for_text("Step 4/6")
    await press(user, "KAI")
    await user.wait_for_text("Step 5/6")
    await press(user, "kg")
    await user.wait_for_text("Step 6/6")
    user.send("Left knee <b>sore</b> & stiff")
    await user.wait_for_text("Your profile")


async def generate(user: FakeUser, delivered_before: int) -> None:
    await choose_workout(user, "KAI", "Strength", "30 min", pace=PACE)
    await press(user, "Generate")
    await user.wait_until(
        lambda u: sum("🔁 New workout" in m.buttons for m in u.messages) > delivered_before,
        timeout=START_TIMEOUT,
    )


@pytest.mark.parametrize(
    ("log_format", "verbose"), [("json", False), ("plain", False), ("plain", True)]
)
async def test_no_secret_in_logs_errors_or_the_generation_log(
    log_format: str,
    verbose: bool,
    run_secrets: Secrets,
    telegram: FakeBotAPI,
    anthropic_api: FakeMessagesAPI,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    flags = ["-v"] if verbose else []
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LOG_FORMAT": log_format,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": run_secrets.token,
        "TELEGRAM_API_URL": telegram.url,
        "ANTHROPIC_API_KEY": run_secrets.api_key,
        "ANTHROPIC_BASE_URL": anthropic_api.url,
        "ANTHROPIC_TIMEOUT": "10",
        "ANTHROPIC_MAX_RETRIES": "0",
    }
    processes = Processes(env, tmp_path)
    engine = create_db_engine(database_url)
    try:
        assert processes.run("upgrade", *flags, "db", "upgrade") == 0, processes.output("upgrade")
        processes.start("worker", *flags, "worker", "--processes", "1", "--threads", "2")
        processes.start("bot", *flags, "bot")
        user = telegram.user(5151, "Sasha")
        await walk_through(user)
        anthropic_api.script(status(500))  # the first workout meets an AI error
        await generate(user, 0)
        await generate(user, 1)
        processes.stop()
        assert api_errors(telegram) == []  # before the rejected token's 401s
        # A token the Bot API rejects, and one that is not a token at all.
        rejected = f"123456789:{run_secrets.bad_token_secret}"
        code = processes.run("rejected", *flags, "bot", TELEGRAM_BOT_TOKEN=rejected)
        assert code == 2 and "rejected TELEGRAM_BOT_TOKEN" in processes.output("rejected")
        code = processes.run(
            "malformed", *flags, "bot", TELEGRAM_BOT_TOKEN=run_secrets.token_secret
        )
        assert code == 2 and "does not look like a bot token" in processes.output("malformed")
        stored = stored_texts(session_factory(engine))
    finally:
        processes.stop()
        engine.dispose()

    # The run did what it should, so the search below covers the paths it claims to.
    outcomes = [json.loads(t)["outcome"] for t in stored if t.startswith("{")]
    assert sorted(outcomes) == ["error", "ok"], stored
    assert any("500" in t for t in stored), stored
    lines = processes.lines()
    assert any(name == "worker" for name, _ in lines) and any(name == "bot" for name, _ in lines)
    if log_format == "json":  # the bot's own lines are JSON objects
        bot_json = [line for name, line in lines if name == "bot" and line.startswith("{")]
        assert bot_json and all("message" in json.loads(line) for line in bot_json)

    leaks = [
        (name, found, line[:200]) for name, line in lines for found in run_secrets.found_in(line)
    ]
    leaks += [
        ("database", found, text[:200]) for text in stored for found in run_secrets.found_in(text)
    ]
    assert leaks == []
