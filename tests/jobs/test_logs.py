"""LOG_FORMAT=json through a real ``flexflow worker``: one JSON object per line, and every
line of a job (ours, the anthropic SDK's, PTB's, Dramatiq's) carries its request id."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from db.models import WorkoutRequestRow
from db.session import create_db_engine, session_factory
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.messages_api import FakeMessagesAPI, ok, status
from tests.plugins.app import spawn_worker
from tests.support.requests import add_chat_request

MISSING = 999_999
"""A request id with no row."""
JOB_LOGGERS = (
    "anthropic",
    "httpx",
    "httpcore",
    "telegram",
    "jobs.generate",
    "jobs.exhausted",
    "usecases.generation",
    "adapters.telegram",
)
"""Loggers that speak while a job runs (and, for PTB, once at start-up: PROCESS_LINES)."""
PROCESS_LINES = re.compile(r"^Set Bot API (File )?URL")
"""The notifier's Bot, made when the process starts."""


def request_for(sessions: sessionmaker[Session], chat_id: int, key: str, coach: str = "MAX") -> int:
    with sessions.begin() as s:
        return add_chat_request(s, chat_id, name="Lee", key=key, coach=coach).id


def wait_for(check: Any, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_every_line_of_a_job_carries_its_request_id(
    app_settings: Settings,
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> None:
    broker = jobs.setup_broker(app_settings.redis_url)
    engine = create_db_engine(app_settings.database_url)
    sessions = session_factory(engine)
    worker = spawn_worker(
        app_settings,
        fake_anthropic,
        tmp_path,
        "worker",
        threads=2,
        verbose=True,
        env={
            "LOG_FORMAT": "json",
            "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
            "TELEGRAM_API_URL": fake_bot_api.url,
            "ANTHROPIC_MAX_RETRIES": "1",  # the SDK retries the 529 itself, and says so
        },
    )
    try:
        alice, bob = fake_bot_api.user(901, "Alice"), fake_bot_api.user(902, "Bob")
        bob.block_bot()
        fake_anthropic.script(status(529), ok())
        # Two 429s on delivery: the first where the AI call ended (the answer is queued),
        # the second in the queued run (Dramatiq retries it).
        fake_bot_api.fail_next("sendMessage", code=429, retry_after=1, chat_id=alice.id, times=2)
        delivered = request_for(sessions, alice.id, "a")  # 529, then 429s on delivery
        blocked = request_for(sessions, bob.id, "b")  # the chat is closed to the bot
        exhausted = request_for(sessions, alice.id, "d", coach="SAGE")  # retries ran out
        jobs.enqueue_generation(delivered)
        assert wait_for(lambda: alice.messages), "the first request was not delivered"
        jobs.enqueue_generation(blocked)
        jobs.enqueue_generation(MISSING)
        jobs.actor("generation_exhausted").send(
            {"args": [exhausted], "options": {"traceback": "Boom: the database went away"}},
            {"retries": 6},
        )

        def states() -> dict[int, str]:
            with sessions.begin() as s:
                return dict(s.execute(select(WorkoutRequestRow.id, WorkoutRequestRow.state)).all())

        assert wait_for(
            lambda: states() == {delivered: "delivered", blocked: "failed", exhausted: "failed"}
        ), states()
        log_path = tmp_path / "worker.log"
        assert wait_for(lambda: "does not exist" in log_path.read_text(errors="replace"))
        time.sleep(1)  # the last acknowledgements
    finally:
        worker.send_signal(signal.SIGTERM)  # Dramatiq's parent passes it on: a clean stop
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        broker.close()
        jobs.setup_broker(None)
        engine.dispose()

    text = (tmp_path / "worker.log").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # all JSON
    ids = {delivered, blocked, exhausted, MISSING}
    message_ids: dict[str, int] = {}
    for line in lines:  # Dramatiq's "Received message generate_workout(7) with id 'abc'"
        found = re.search(r"Received message (\w+)\((\d+)|with id '([\w-]+)'", line["message"])
        if found and "request_id" in line:
            message_ids[re.findall(r"id '([\w-]+)'", line["message"])[0]] = line["request_id"]

    def belongs_to(line: dict[str, Any]) -> int | None:
        """The request a line is about, judged from its text alone."""
        message = line["message"]
        for message_id, request_id in message_ids.items():
            if message_id in message:
                return request_id
        found = re.search(r"request (\d+)", message)
        return int(found.group(1)) if found else None

    shutdown = next(
        (i for i, line in enumerate(lines) if line["message"] == "Stopping worker process..."),
        len(lines),
    )
    job_lines = [  # once the worker shuts down, its clients close: process lines, no job's
        line
        for line in lines[:shutdown]
        if (line["logger"].startswith(JOB_LOGGERS) and not PROCESS_LINES.match(line["message"]))
        or belongs_to(line) is not None
    ]
    untagged = [line for line in job_lines if line.get("request_id") is None]
    assert untagged == [], untagged
    job_lines += [line for line in lines[shutdown:] if belongs_to(line) is not None]
    wrong = [line for line in job_lines if belongs_to(line) not in (None, line["request_id"])]
    assert wrong == [], wrong
    assert {line["request_id"] for line in lines if "request_id" in line} == ids

    def tagged(request_id: int, logger: str, text: str) -> bool:
        return any(
            line.get("request_id") == request_id
            and line["logger"].startswith(logger)
            and text in line["message"]
            for line in lines
        )

    assert tagged(delivered, "anthropic", "Retrying request")  # the SDK's own retry
    assert tagged(delivered, "adapters.telegram", "Telegram asked to wait")
    assert tagged(delivered, "dramatiq.middleware.retries", "Retrying message")  # by message id
    assert tagged(delivered, "dramatiq.worker", "Received message")
    assert tagged(delivered, "dramatiq.worker", "Acknowledging message")  # the consumer thread
    assert tagged(delivered, "dramatiq.worker", "Pushing message")  # before any job runs
    assert tagged(blocked, "usecases.generation", "not delivered")
    assert tagged(MISSING, "usecases.generation", "does not exist")
    assert tagged(exhausted, "usecases.generation", f"request {exhausted} failed")
    # Lines outside any job (start-up, shutdown) carry none.
    assert any(
        line["message"] == "worker resources open" and "request_id" not in line for line in lines
    )
