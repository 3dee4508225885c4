"""SIGTERM to the worker and to the bot: graceful shutdown, nothing lost, nothing doubled.

The worker gets SIGTERM the way Heroku and systemd send it, to its whole process group (the
dramatiq main process forwards a second copy to its worker process). The AI calls in flight
finish before it exits, and their workouts are saved and delivered by it (where each call
ended: jobs.resources.FINISHERS); the requests whose calls were still waiting for an AI slot
are let go (their claims lapse and the sweeper queues them again); a new worker delivers
them. No call was cut off and no AI asked twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from db.models import AIGenerationLog, WorkoutRequestRow
from jobs.resources import FINISHERS
from tests.bot.conftest import api_errors
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.messages_api import FakeMessagesAPI
from tests.faults.chat import WAIT, press_generate, rows, workouts_seen
from tests.plugins.app import spawn_worker
from tests.support.requests import add_chat_request
from tests.support.services import bot_api_env, sessions_on

REQUESTS = 8
THREADS = 2
SLOTS = 4
"""4 calls in flight, 4 waiting for a slot."""


@pytest.fixture
def sessions(app_settings: Settings) -> Iterator[sessionmaker[Session]]:
    yield from sessions_on(app_settings.database_url)


class Processes:
    """``flexflow worker`` and ``flexflow bot`` processes on the test's services, delivering
    into the fake Bot API, each in its own process group and logging to ``logs``."""

    def __init__(
        self, settings: Settings, bot_api: FakeBotAPI, ai: FakeMessagesAPI, logs: Path
    ) -> None:
        self.settings, self.bot_api, self.ai, self.logs = settings, bot_api, ai, logs
        self.started: list[subprocess.Popen[bytes]] = []

    def worker(self, name: str, threads: int) -> subprocess.Popen[bytes]:
        """A worker logging to ``{name}.log``."""
        env = bot_api_env(self.bot_api)
        process = spawn_worker(
            self.settings, self.ai, self.logs, name, threads=threads, env=env, ai_concurrency=SLOTS
        )
        self.started.append(process)
        return process

    def bot(self) -> subprocess.Popen[bytes]:
        """A bot appending to ``bot.log``."""
        env = {key: value for key, value in os.environ.items() if key in ("PATH", "LANG", "HOME")}
        env |= bot_api_env(self.bot_api)
        env |= {
            "DATABASE_URL": self.settings.database_url,
            "REDIS_URL": self.settings.redis_url or "",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "flexflow.cli", "bot"],
            env=env,
            cwd=self.logs,
            stdout=(self.logs / "bot.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def processes(
    app_settings: Settings,
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> Iterator[Processes]:
    """The test's processes; those still running afterwards are killed."""
    running = Processes(app_settings, fake_bot_api, fake_anthropic, tmp_path)
    yield running
    for process in running.started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def states(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions.begin() as s:
        return {
            i: state
            for i, state in s.execute(select(WorkoutRequestRow.id, WorkoutRequestRow.state))
        }


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout:g} s")


def test_sigterm_to_the_worker_finishes_what_it_holds_and_hands_back_the_rest(
    app_settings: Settings,
    sessions: sessionmaker[Session],
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    processes: Processes,
) -> None:
    fake_anthropic.latency = 3.0  # every generation is still in hand when SIGTERM comes
    first = processes.worker("first", THREADS)
    users = [fake_bot_api.user(900 + n, f"U{n}") for n in range(REQUESTS)]
    with sessions.begin() as s:
        ids = []
        for user in users:
            row = add_chat_request(s, user.id, name="U", key=f"term:{user.id}", coach="ACE")
            ids.append(row.id)
    jobs.setup_broker(app_settings.redis_url)
    try:
        for request_id in ids:
            jobs.enqueue_generation(request_id)
        wait_for(
            lambda: (
                set(states(sessions).values()) == {"generating"}
                and len(fake_anthropic.requests) == SLOTS
            ),
            60,
            "every request claimed, every AI slot busy",
        )
        os.killpg(first.pid, signal.SIGTERM)  # the whole group, as a process manager does
        signalled = time.monotonic()
        first.wait(timeout=40)
        stopped_after = time.monotonic() - signalled
        log = processes.log("first")
        assert first.returncode == 0, log[-3000:]
        assert "Killing worker process" not in log
        assert "4 AI call(s) not started" in log
        # The calls in flight ran to their end (none cut off), and their workouts went out
        # before the worker exited; the calls waiting for a slot never started.
        assert SLOTS <= FINISHERS
        assert len(fake_anthropic.requests) == SLOTS
        assert sorted(states(sessions).values()) == ["delivered"] * SLOTS + ["generating"] * (
            REQUESTS - SLOTS
        )

        fake_anthropic.latency = 0.2
        restarted = time.monotonic()
        processes.worker("second", THREADS)
        wait_for(
            lambda: set(states(sessions).values()) == {"delivered"}, 60, "everything delivered"
        )
        handed_back_after = time.monotonic() - restarted
    finally:
        jobs.setup_broker(None)
    print(
        f"SIGTERM -> worker exited in {stopped_after:.1f} s with {SLOTS} AI calls finished; "
        f"a new worker delivered all {REQUESTS} {handed_back_after:.1f} s after it started"
    )
    for user in users:
        assert len(workouts_seen(user)) == 1  # each delivered exactly once
    attempts = sorted(row.attempts for row in rows(sessions))
    # The answered ones were claimed once; the let-go ones once more, after their lease.
    assert attempts == [1] * SLOTS + [2] * (REQUESTS - SLOTS)
    assert len(fake_anthropic.requests) == REQUESTS  # no AI asked twice
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(AIGenerationLog)) == REQUESTS
    assert api_errors(fake_bot_api) == []


async def test_sigterm_to_the_bot_stops_it_cleanly_and_its_request_is_still_delivered(
    sessions: sessionmaker[Session],
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    processes: Processes,
) -> None:
    fake_anthropic.latency = 2.0
    processes.worker("worker", 2)
    bot = processes.bot()
    user = fake_bot_api.user(950, "Sam")
    await press_generate(user)
    await user.wait_for_text("is writing", timeout=WAIT)
    os.killpg(bot.pid, signal.SIGTERM)  # while its request is being generated
    bot.wait(timeout=30)
    log = processes.log("bot")
    assert bot.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    # The worker does not need the bot: the workout arrives while the bot is gone.
    await user.wait_until(lambda u: workouts_seen(u), timeout=WAIT)
    [row] = rows(sessions)
    await user.wait_until(lambda _: rows(sessions)[0].state == "delivered", timeout=WAIT)

    again = processes.bot()
    query = user.press("📜 History")  # a button sent before the restart
    answer = await user.wait_answered(query, timeout=WAIT)
    assert answer.text in (None, "")
    await user.wait_for_text("Your workouts", timeout=WAIT)
    os.killpg(again.pid, signal.SIGTERM)
    again.wait(timeout=30)
    assert again.returncode == 0
    assert len(workouts_seen(user)) == 1 and row.message_id is not None
    assert api_errors(fake_bot_api) == []
