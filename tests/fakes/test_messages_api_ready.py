"""The fake Messages API's ready answers (the overhead benchmark's instant AI), through the
real SDK: a request like an earlier one gets the workout written for that one; a request of
another kind gets its own, fitting it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.claude import ClaudeClient
from core.domain import Equipment, WorkoutType
from core.models import WorkoutRequest
from tests.fakes.messages_api import FakeMessagesAPI

STRENGTH = WorkoutRequest(
    coach="MAX",
    workout_type=WorkoutType.STRENGTH,
    duration_min=30,
    equipment=frozenset({Equipment.DUMBBELLS, Equipment.BENCH}),
)
HIIT = WorkoutRequest(
    coach="ZARA",
    workout_type=WorkoutType.HIIT,
    duration_min=20,
    equipment=frozenset({Equipment.BODYWEIGHT}),
)


@pytest.fixture(params=[True, False], ids=["ready", "written-anew"])
def client(request: pytest.FixtureRequest) -> Iterator[tuple[ClaudeClient, bool]]:
    fake = FakeMessagesAPI(ready_answers=request.param).start()
    made = ClaudeClient(
        api_key=fake.api_key, model="claude-sonnet-4-6", base_url=fake.url,
        timeout=5.0, max_retries=0,
    )  # fmt: skip
    try:
        yield made, request.param
    finally:
        made.close()
        fake.stop()


def _names(client: ClaudeClient, request: WorkoutRequest) -> list[str]:
    result = client.generate(request)
    assert result.workout is not None, result.attempt.error
    return [e.name for e in result.workout.exercises]


def test_a_request_like_an_earlier_one_gets_its_workout_only_when_answers_are_ready(
    client: tuple[ClaudeClient, bool],
) -> None:
    claude, ready = client
    first = _names(claude, STRENGTH)
    again = [_names(claude, STRENGTH) for _ in range(5)]
    if ready:
        assert all(names == first for names in again)
    else:  # each written anew (the most common of 50 variants comes 3% of the time)
        assert any(names != first for names in again)
    hiit = _names(claude, HIIT)
    assert hiit != first  # another kind of request: a workout of its own
    if ready:
        assert _names(claude, HIIT) == hiit
