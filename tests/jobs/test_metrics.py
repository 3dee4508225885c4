"""Prometheus metrics, scraped over HTTP from real ``flexflow worker`` and ``flexflow bot``
processes: every counter moved by exactly what happened."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import dramatiq
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.metrics import QueueCollector, StateCollector, metrics_registry, serve_metrics
from adapters.settings import Settings
from core.domain import Equipment, WorkoutType
from db.models import AIGenerationLog, WorkoutPlan
from db.session import create_db_engine, session_factory
from jobs.enqueue import NAMESPACE
from tests.bot.conftest import press
from tests.fakes.bot_api import FakeBotAPI, FakeUser
from tests.fakes.messages_api import FakeMessagesAPI, prose
from tests.plugins.app import spawn_worker, stop_group
from tests.support.chat import PROCESS, choose_workout
from tests.support.requests import queue_local_requests
from tests.support.services import bot_api_env

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> Samples:
    """Every sample of ``/metrics``, parsed with prometheus_client's own parser."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape_until(port: int, ready: Callable[[Samples], bool], timeout: float = 60) -> Samples:
    """Scrape until ``ready`` holds (the endpoint may still be starting, counters may still
    be moving); that scrape. Fails when it never holds: a wait that ran out is no result."""
    deadline = time.monotonic() + timeout
    samples: Samples = {}
    while time.monotonic() < deadline:
        try:
            samples = scrape(port)
        except OSError:
            samples = {}
        if ready(samples):
            return samples
        time.sleep(0.2)
    pytest.fail(f"the metrics on port {port} never got there in {timeout:g} s: {samples}")


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 when it is absent (a counter nothing moved)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def values(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name and v}


def flexflow_env(
    home: Path, settings: Settings, *, redis: bool = True, **ports: str
) -> dict[str, str]:
    """A ``flexflow`` process's environment here: PATH, HOME, the test's database (and its
    Redis unless not ``redis``), metrics on 127.0.0.1 at the ``ports`` given."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "DATABASE_URL": settings.database_url,
        **ports,
        "FLEXFLOW_METRICS_HOST": "127.0.0.1",
    }
    if redis:
        env["REDIS_URL"] = settings.redis_url or ""
    return env


@pytest.fixture
def metrics_ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
def worker_process(
    app_settings: Settings,
    fake_anthropic: FakeMessagesAPI,
    fake_bot_api: FakeBotAPI,
    metrics_ports: tuple[int, int],
    tmp_path: Path,
) -> Iterator[subprocess.Popen[bytes]]:
    process = spawn_worker(
        app_settings,
        fake_anthropic,
        tmp_path,
        "worker",
        threads=4,
        env={
            **bot_api_env(fake_bot_api),
            "FLEXFLOW_WORKER_METRICS_PORT": str(metrics_ports[1]),
            "FLEXFLOW_METRICS_HOST": "127.0.0.1",
        },
    )
    try:
        yield process
    finally:
        stop_group(process)


@pytest.fixture
def bot_process(
    app_settings: Settings, fake_bot_api: FakeBotAPI, metrics_ports: tuple[int, int], tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = flexflow_env(tmp_path, app_settings, FLEXFLOW_METRICS_PORT=str(metrics_ports[0]))
    env |= bot_api_env(fake_bot_api)
    log = (tmp_path / "bot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "flexflow.cli", "bot"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


async def workout(user: FakeUser, coach: str) -> None:
    """/workout through to Generate; returns once the placeholder shows."""
    await choose_workout(user, coach, "Strength", "30 min", equipment=("Dumbbells",), pace=PROCESS)
    await press(user, "Generate")
    await user.wait_for_text(f"{coach} is writing", timeout=10)


async def test_worker_and_bot_metrics_count_exactly_what_happened(
    app_settings: Settings,
    fake_bot_api: FakeBotAPI,
    fake_anthropic: FakeMessagesAPI,
    worker_process: subprocess.Popen[bytes],
    bot_process: subprocess.Popen[bytes],
    metrics_ports: tuple[int, int],
    tmp_path: Path,
) -> None:
    bot_port, worker_port = metrics_ports
    user = fake_bot_api.user(811, "Robin")

    # The bot's own Telegram error: one reply of /help gets a 502.
    user.send("/start")
    await user.wait_until(lambda u: len(u.messages) >= 1, timeout=30)  # the bot is up
    fake_bot_api.fail_next("sendMessage", code=502, chat_id=user.id)
    user.send("/help")
    await user.wait_until(
        lambda _u: any(c.status == 502 for c in fake_bot_api.calls("sendMessage")), timeout=10
    )

    # 1: the AI answers; the worker's first edit of the placeholder gets a 429 (retry).
    fake_anthropic.latency = 1.0  # the placeholder is shown before the worker writes
    await workout(user, "MAX")
    fake_bot_api.fail_next("editMessageText", code=429, retry_after=1, chat_id=user.id)
    await user.wait_until(lambda u: u.last.text.startswith("🏋️ MAX"), timeout=60)

    # 2: the AI answers in prose: the rule-based fallback serves.
    fake_anthropic.script(prose())
    await workout(user, "SAGE")
    await user.wait_until(lambda u: u.last.text.startswith("🧘 SAGE"), timeout=60)

    worker = scrape_until(  # both delivered, and the queued result's message counted
        worker_port,
        lambda s: (
            value(s, "flexflow_deliveries_total", result="delivered") >= 2
            and value(
                s, "dramatiq_messages_total", queue_name="finish", actor_name="finish_generation"
            )
            >= 1
        ),
    )
    logs = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
    assert worker, logs
    assert values(worker, "flexflow_ai_attempts_total") == {
        frozenset({("outcome", "ok")}): 1,
        frozenset({("outcome", "invalid")}): 1,
    }
    assert values(worker, "flexflow_workouts_total") == {
        frozenset({("source", "ai")}): 1,
        frozenset({("source", "fallback")}): 1,
    }
    assert value(worker, "flexflow_generation_seconds_count", source="ai") == 1
    assert value(worker, "flexflow_generation_seconds_count", source="fallback") == 1
    assert values(worker, "flexflow_deliveries_total") == {frozenset({("result", "delivered")}): 2}
    assert values(worker, "flexflow_telegram_errors_total") == {
        frozenset({("process", "worker"), ("code", "429")}): 1
    }
    # Tokens: what the generation log holds, to the token.
    engine = create_db_engine(app_settings.database_url)
    try:
        with session_factory(engine).begin() as s:
            logged = s.execute(
                select(
                    func.sum(AIGenerationLog.input_tokens),
                    func.sum(AIGenerationLog.output_tokens),
                    func.sum(AIGenerationLog.cache_read_tokens),
                    func.sum(AIGenerationLog.cache_write_tokens),
                )
            ).one()
            assert s.scalar(select(func.count()).select_from(WorkoutPlan)) == 2
    finally:
        engine.dispose()
    for kind, tokens in zip(("input", "output", "cache_read", "cache_write"), logged, strict=True):
        assert value(worker, "flexflow_ai_tokens_total", kind=kind) == tokens, kind
    assert logged[0] > 0 and logged[1] > 0
    # Dramatiq's middleware: two requests, each call parked and its result saved and
    # delivered where the call ended; the delivery that met the 429 was queued (one
    # message of its own, delayed by Telegram's retry_after: no failed attempt).
    labels = {"queue_name": "generation", "actor_name": "generate_workout"}
    assert value(worker, "dramatiq_messages_total", **labels) == 2
    assert value(worker, "dramatiq_message_errors_total", **labels) == 0
    labels = {"queue_name": "finish", "actor_name": "finish_generation"}
    assert value(worker, "dramatiq_messages_total", **labels) == 1
    assert value(worker, "dramatiq_message_retries_total", **labels) == 0
    assert value(worker, "dramatiq_message_errors_total", **labels) == 0
    # Read when scraped, the same from both endpoints.
    bot = scrape_until(bot_port, lambda s: bool(s))
    for samples in (worker, bot):
        assert values(samples, "flexflow_requests") == {frozenset({("state", "delivered")}): 2}
        assert value(samples, "flexflow_queue_messages", queue="generation", status="waiting") == 0
        assert (
            value(samples, "flexflow_queue_messages", queue="generation", status="unfinished") == 0
        )
    # The bot counts its own Telegram error and nothing of the worker's.
    assert values(bot, "flexflow_telegram_errors_total") == {
        frozenset({("process", "bot"), ("code", "502")}): 1
    }
    assert not values(bot, "flexflow_ai_attempts_total")
    # Every error answer of the fake Bot API was counted by one of the two.
    assert len([c for c in fake_bot_api.calls() if c.status >= 400]) == 2


def test_queue_and_state_gauges_read_redis_and_the_database(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
) -> None:
    queue_local_requests(  # no worker runs: they wait on the queue
        sessions,
        3,
        "q",
        coach="KAI",
        workout_type=WorkoutType.CARDIO,
        duration_min=20,
        equipment=[Equipment.JUMP_ROPE],
    )
    assert job_settings.redis_url is not None
    queues = QueueCollector(job_settings.redis_url, NAMESPACE, ["generation", "generation.DQ"])
    port = free_port()
    server = serve_metrics("127.0.0.1", port, metrics_registry(StateCollector(sessions), queues))
    try:
        samples = scrape(port)
    finally:
        server.shutdown()
        queues.close()
    assert value(samples, "flexflow_queue_messages", queue="generation", status="waiting") == 3
    assert value(samples, "flexflow_queue_messages", queue="generation", status="unfinished") == 3
    assert value(samples, "flexflow_queue_messages", queue="generation.DQ", status="waiting") == 0
    assert values(samples, "flexflow_requests") == {frozenset({("state", "queued")}): 3}


def test_worker_metrics_port_in_use_is_one_clear_line(
    job_settings: Settings, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "flexflow.cli", "worker"],
            env=flexflow_env(tmp_path, job_settings, FLEXFLOW_WORKER_METRICS_PORT=str(port)),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"flexflow: FLEXFLOW_WORKER_METRICS_PORT {port} cannot be used: Address already in use"
    ]


@pytest.fixture
def embedded_bot(app_settings: Settings, fake_bot_api: FakeBotAPI, tmp_path: Path) -> Iterator[int]:
    """``flexflow bot`` without REDIS_URL (its worker inside) and with metrics: the port."""
    port = free_port()
    env = flexflow_env(tmp_path, app_settings, redis=False, FLEXFLOW_METRICS_PORT=str(port))
    env |= bot_api_env(fake_bot_api)
    process = subprocess.Popen(
        [sys.executable, "-m", "flexflow.cli", "bot"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_embedded_bot_serves_the_worker_metrics_too(
    fake_bot_api: FakeBotAPI, embedded_bot: int
) -> None:
    """No REDIS_URL: the worker runs inside the bot, and the bot's endpoint counts its work."""
    user = fake_bot_api.user(812, "Kim")
    await workout(user, "MAX")
    await user.wait_until(lambda u: u.last.text.startswith("🏋️ MAX"), timeout=60)
    samples = scrape_until(
        embedded_bot, lambda s: value(s, "flexflow_deliveries_total", result="delivered") >= 1
    )
    assert values(samples, "flexflow_workouts_total") == {frozenset({("source", "rule_based")}): 1}
    assert value(samples, "flexflow_generation_seconds_count", source="rule_based") == 1
    assert not values(samples, "flexflow_ai_attempts_total")  # no AI key: no AI call
    assert values(samples, "flexflow_requests") == {frozenset({("state", "delivered")}): 1}
    assert not values(samples, "flexflow_queue_messages")  # no Redis queue to measure
    assert not values(samples, "flexflow_telegram_errors_total")
    assert not [c for c in fake_bot_api.calls() if c.status >= 400]
