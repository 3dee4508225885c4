"""A worker killed with SIGKILL mid-generation: every request is delivered exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import dramatiq
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.settings import Settings
from core.domain import Equipment, WorkoutType
from db.models import AIGenerationLog, WorkoutPlan, WorkoutRequestRow
from tests.fakes.messages_api import FakeMessagesAPI
from tests.plugins.app import spawn_worker, stop_group
from tests.support.requests import queue_local_requests

REQUESTS = 6


def states(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions.begin() as s:
        rows = s.execute(
            select(WorkoutRequestRow.state, func.count()).group_by(WorkoutRequestRow.state)
        )
        return {state: n for state, n in rows}


def test_sigkill_mid_generation_then_a_new_worker_delivers_each_request_once(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    fake_anthropic: FakeMessagesAPI,
    tmp_path: Path,
) -> None:
    fake_anthropic.latency = 3.0  # long enough to kill the worker while every call is in flight
    started: list[subprocess.Popen[bytes]] = []
    try:
        first = spawn_worker(job_settings, fake_anthropic, tmp_path, "first")
        started.append(first)
        queue_local_requests(
            sessions,
            REQUESTS,
            "k",
            coach="BLAZE",
            workout_type=WorkoutType.HIIT,
            duration_min=20,
            equipment=[Equipment.KETTLEBELL],
        )
        deadline = time.monotonic() + 30
        while states(sessions).get("generating", 0) < REQUESTS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert states(sessions).get("generating") == REQUESTS
        os.killpg(first.pid, signal.SIGKILL)  # the dramatiq parent and its worker process
        first.wait(timeout=10)
        killed_at = time.monotonic()

        fake_anthropic.latency = 0.2
        started.append(spawn_worker(job_settings, fake_anthropic, tmp_path, "second"))
        deadline = time.monotonic() + 120
        while states(sessions).get("delivered", 0) < REQUESTS and time.monotonic() < deadline:
            time.sleep(0.2)
        recovery = time.monotonic() - killed_at
        log = (tmp_path / "second.log").read_text(errors="replace")
        assert states(sessions) == {"delivered": REQUESTS}, log[-3000:]
    finally:
        for process in started:
            stop_group(process)
    print(f"recovered {REQUESTS} requests {recovery:.1f} s after SIGKILL")
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(WorkoutPlan)) == REQUESTS
        attempts = s.scalars(select(WorkoutRequestRow.attempts)).all()
        assert all(a == 2 for a in attempts)  # claimed once by each worker, never more
        assert s.scalar(select(func.count()).select_from(AIGenerationLog)) == REQUESTS
