"""The generation actor on the real Redis broker with a real Dramatiq worker."""

from __future__ import annotations

import time
from collections.abc import Callable

import dramatiq
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import jobs
from adapters.settings import Settings
from core.models import WorkoutRequest
from core.pipeline import AIResult
from db.models import AIGenerationLog, WorkoutPlan
from db.requests import get_request, lock_request
from db.users import get_or_create_local_user
from tests.fakes.messages_api import FakeMessagesAPI
from tests.support.requests import add_request
from usecases import generation as generation_module
from usecases.errors import QueueUnavailable


def make_request(sessions: sessionmaker[Session], key: str, duration: int = 30) -> int:
    with sessions.begin() as s:
        user = get_or_create_local_user(s)
        return add_request(s, user.id, key=key, coach="KAI", duration_min=duration).id


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def state(sessions: sessionmaker[Session], request_id: int) -> str:
    with sessions.begin() as s:
        row = get_request(s, request_id)
        return row.state if row else "missing"


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions.begin() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


class CountingAI:
    """An AI client at the edge: answers with a rule-based workout and counts calls.

    (The real Claude client against the fake Messages API is tested in tests/core; here
    what matters is how often the actor asks.)"""

    model = "counting-ai"

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, request: WorkoutRequest) -> AIResult:
        import random

        from core.pipeline import AIAttempt
        from core.rulebased import generate_rule_based

        self.calls += 1
        workout = generate_rule_based(request, random.Random(self.calls))
        return AIResult(workout, AIAttempt(model=self.model, latency_ms=1, outcome="ok"))


def test_running_the_actor_twice_makes_one_plan_and_one_ai_call(
    job_settings: Settings, sessions: sessionmaker[Session], redis_broker: dramatiq.Broker
) -> None:
    ai = CountingAI()
    request_id = make_request(sessions, "twice")
    with jobs.start_embedded_worker(job_settings, ai=ai, threads=2, configure_broker=False):
        jobs.enqueue_generation(request_id)
        wait_for(lambda: state(sessions, request_id) == "delivered")
        jobs.enqueue_generation(request_id)
        redis_broker.join("generation", timeout=20_000)
    assert ai.calls == 1
    assert count(sessions, WorkoutPlan) == 1
    assert count(sessions, AIGenerationLog) == 1
    with sessions.begin() as s:
        row = get_request(s, request_id)
        assert row is not None and row.attempts == 1


def test_a_crash_after_the_plan_is_saved_does_not_call_the_ai_again(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ai = CountingAI()
    crashes = []
    real_deliver = generation_module._deliver

    def crash_once(gen, request_id, delivery):  # type: ignore[no-untyped-def]
        if not crashes:
            crashes.append(request_id)
            raise ConnectionError("worker lost its network right after saving the plan")
        return real_deliver(gen, request_id, delivery)

    monkeypatch.setattr(generation_module, "_deliver", crash_once)
    request_id = make_request(sessions, "crash")
    with jobs.start_embedded_worker(job_settings, ai=ai, threads=2, configure_broker=False):
        jobs.enqueue_generation(request_id)
        wait_for(lambda: state(sessions, request_id) == "delivered", timeout=30)
    assert crashes == [request_id]  # it really crashed once, then the retry delivered
    assert ai.calls == 1
    assert count(sessions, WorkoutPlan) == 1


def test_without_an_ai_the_rule_based_generator_serves(
    job_settings: Settings, sessions: sessionmaker[Session], redis_broker: dramatiq.Broker
) -> None:
    request_id = make_request(sessions, "rules", duration=60)
    with jobs.start_embedded_worker(job_settings, ai=None, threads=2, configure_broker=False):
        jobs.enqueue_generation(request_id)
        wait_for(lambda: state(sessions, request_id) == "delivered")
    with sessions.begin() as s:
        plan = s.scalar(select(WorkoutPlan))
        assert plan is not None and plan.source == "rule_based"
        assert abs(plan.estimated_minutes - 60) <= 6
    assert count(sessions, AIGenerationLog) == 0


def test_enqueue_with_redis_down_raises_queue_unavailable(job_settings: Settings) -> None:
    jobs.setup_broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        with pytest.raises(QueueUnavailable):
            jobs.enqueue_generation(1)
    finally:
        jobs.setup_broker(None)


def test_the_sweeper_queues_a_request_whose_message_was_lost(
    job_settings: Settings, sessions: sessionmaker[Session], redis_broker: dramatiq.Broker
) -> None:
    import datetime as dt

    from db.models import WorkoutRequestRow
    from jobs.resources import make_sweeper

    lost = make_request(sessions, "lost")  # written, never enqueued (the bot died right here)
    fresh = make_request(sessions, "fresh")
    with sessions.begin() as s:
        row = s.get(WorkoutRequestRow, lost)
        assert row is not None
        row.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    with jobs.start_embedded_worker(job_settings, ai=None, threads=2, configure_broker=False):
        sweeper = make_sweeper(jobs.current())
        assert sweeper.sweep() == [lost]
        wait_for(lambda: state(sessions, lost) == "delivered")
        sweeper.close()
    assert state(sessions, fresh) == "queued"  # young requests are left to their message


def test_a_parked_calls_answer_is_dropped_when_its_claim_was_taken_over_meanwhile(
    job_settings: Settings,
    sessions: sessionmaker[Session],
    redis_broker: dramatiq.Broker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer is saved where the call ended (a finisher), with the claim as the call
    began, not read again: the save itself must see that another message holds the request
    now, and leave it to that message (never two plans)."""
    with FakeMessagesAPI(latency=1.5) as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        settings = job_settings.model_copy(update={"anthropic_api_key": SecretStr(fake.api_key)})
        request_id = make_request(sessions, "taken-over")
        with jobs.start_embedded_worker(settings, threads=2, configure_broker=False):
            jobs.enqueue_generation(request_id)
            wait_for(lambda: fake.in_flight == 1)  # parked: its call is being answered
            with sessions.begin() as s:
                row = lock_request(s, request_id)
                assert row is not None and row.state == "generating"
                row.claimed_by = "another-message"  # took it over (its lease ran out, say)
            wait_for(lambda: ai_log_count(sessions, request_id) == 1)  # the answer is in
            redis_broker.join("generation", timeout=20_000)
    with sessions.begin() as s:
        row = get_request(s, request_id)
        assert row is not None
        assert (row.state, row.claimed_by) == ("generating", "another-message")
    assert count(sessions, WorkoutPlan) == 0  # the new holder's run makes the workout


def ai_log_count(sessions: sessionmaker[Session], request_id: int) -> int:
    with sessions.begin() as s:
        query = select(func.count()).where(AIGenerationLog.request_id == request_id)
        return int(s.scalar(query) or 0)
