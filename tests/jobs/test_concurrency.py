"""The AI concurrency limit holds across separate worker processes (`flexflow worker`)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dramatiq
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.settings import Settings
from core.domain import Equipment, WorkoutType
from db.models import WorkoutPlan, WorkoutRequestRow
from tests.fakes.messages_api import FakeMessagesAPI
from tests.plugins.app import spawn_worker
from tests.support.requests import queue_local_requests

LIMIT = 3
REQUESTS = 12


def wait_delivered(sessions: sessionmaker[Session], count: int, *, timeout: float) -> int:
    """Requests delivered once ``count`` are, or when ``timeout`` runs out."""
    deadline = time.monotonic() + timeout
    delivered = 0
    while time.monotonic() < deadline and delivered < count:
        time.sleep(0.1)
        with sessions.begin() as s:
            query = select(func.count()).select_from(WorkoutRequestRow)
            delivered = s.scalar(query.where(WorkoutRequestRow.state == "delivered")) or 0
    return delivered


def test_two_worker_processes_never_exceed_the_shared_ai_limit(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> None:
    fake_anthropic.latency = 0.4
    workers = [
        spawn_worker(
            job_settings, fake_anthropic, tmp_path, f"worker{n}", threads=6, ai_concurrency=LIMIT
        )
        for n in range(2)
    ]
    try:
        queue_local_requests(
            sessions,
            REQUESTS,
            "c",
            coach="ZARA",
            workout_type=WorkoutType.HIIT,
            duration_min=20,
            equipment=[Equipment.JUMP_ROPE],
        )
        delivered = wait_delivered(sessions, REQUESTS, timeout=60)
        logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("worker*.log"))
        assert delivered == REQUESTS, logs[-3000:]
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            w.wait(timeout=30)
    assert len(fake_anthropic.requests) == REQUESTS  # one AI call per request
    assert fake_anthropic.max_in_flight == LIMIT  # the limit was reached and never passed
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(WorkoutPlan)) == REQUESTS
        sources = set(s.scalars(select(WorkoutPlan.source)))
        assert sources == {"ai"}


def test_one_worker_process_with_four_threads_fills_every_ai_slot(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> None:
    """A generation's AI call is parked: its thread starts it and is free again, the call
    runs on the Claude client's one event loop, and its result comes back as a message of
    its own. So 4 threads keep 40 AI slots busy; were a call to hold its thread, only 4
    would be in flight."""
    slots = 40
    fake_anthropic.latency = 4.0  # long enough for every request to be claimed meanwhile
    worker = spawn_worker(
        job_settings, fake_anthropic, tmp_path, "worker", threads=4, ai_concurrency=slots
    )
    try:
        queue_local_requests(
            sessions,
            slots,
            "w",
            coach="ZARA",
            workout_type=WorkoutType.HIIT,
            duration_min=20,
            equipment=[Equipment.JUMP_ROPE],
        )
        delivered = wait_delivered(sessions, slots, timeout=90)
        assert delivered == slots, (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert len(fake_anthropic.requests) == slots
    assert fake_anthropic.max_in_flight == slots  # all at once, from one process
