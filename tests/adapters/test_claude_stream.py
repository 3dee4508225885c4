"""The Claude client streams: through the real SDK against the fake Messages API sending real
server-sent events, with each mid-stream fault (a stall, a cut at max_tokens, a dropped
connection, an overloaded error event) ending the call with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.claude import ClaudeClient
from core.domain import Equipment
from core.partial import Draft
from core.pipeline import build_workout
from core.rulebased import generate_rule_based
from tests.fakes.messages_api import (
    FakeMessagesAPI,
    drop,
    hang,
    ok,
    overloaded,
    stall,
    truncated,
)
from tests.support.workouts import anns_request

MODEL = "claude-sonnet-4-6"
REQUEST = anns_request(Equipment.DUMBBELLS, Equipment.BENCH)


@pytest.fixture
def fake() -> Iterator[FakeMessagesAPI]:
    """A fake writing at 2,000 tokens a second in deltas of 4 tokens."""
    with FakeMessagesAPI(tokens_per_second=2000) as server:
        yield server


@pytest.fixture
def make_client(fake: FakeMessagesAPI) -> Iterator[Any]:
    made: list[ClaudeClient] = []

    def make(**options: Any) -> ClaudeClient:
        settings: dict[str, Any] = {
            "api_key": fake.api_key,
            "model": MODEL,
            "base_url": fake.url,
            "timeout": 30.0,
            "max_retries": 0,
            "stall_s": 0.6,
            "first_byte_s": 0.6,
        }
        client = ClaudeClient(**(settings | options))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def planned() -> dict[str, Any]:
    """A valid answer with at least four exercises, as the fake will stream it."""
    import random

    workout = generate_rule_based(REQUEST, random.Random(7))
    assert len(workout.exercises) >= 4
    return workout.model_dump(mode="json")


def test_each_exercise_is_shown_as_soon_as_it_is_written(
    fake: FakeMessagesAPI, make_client: Any
) -> None:
    answer = planned()
    fake.script(ok(answer))
    seen: list[tuple[Draft, int]] = []

    def progress(draft: Draft) -> None:
        seen.append((draft, len(fake.streams[-1])))  # how many events had been sent by then

    result = build_workout(REQUEST, make_client(), progress=progress)
    assert result.source == "ai"
    (events,) = fake.streams
    names = [e["name"] for e in answer["exercises"]]
    counts = [len(d.exercises) for d, _ in seen]
    assert counts == sorted(counts)  # the draft only grows
    assert [ex.name for ex in seen[-1][0].exercises] == names
    assert seen[-1][0].title == answer["title"]
    # Every exercise but the last was shown while the answer was still being written,
    # one at a time, in order.
    for n in range(1, len(names)):
        first = next((d, sent) for d, sent in seen if len(d.exercises) >= n)
        assert [ex.name for ex in first[0].exercises][:n] == names[:n]
        assert first[1] < len(events) - 3  # before the block, the delta and the stop
    deltas = [name for _, name in events if name == "content_block_delta"]
    assert len(deltas) > 20
    assert [name for _, name in events][:2] == ["message_start", "content_block_start"]
    assert [name for _, name in events][-2:] == ["message_delta", "message_stop"]


def test_an_unfinished_exercise_is_never_shown(fake: FakeMessagesAPI, make_client: Any) -> None:
    """Cut inside the last alternative of the third exercise: what is written of it would
    pass for an exercise (two alternatives already), but it is not finished, so the draft
    never holds more than two."""
    answer = planned()
    third = answer["exercises"][2]
    third["alternatives"] = [*third["alternatives"][:2], "Chest-supported dumbbell row"]
    text = json.dumps(answer)
    fourth = text.index('{"name": ' + json.dumps(answer["exercises"][3]["name"]))
    fake.script(truncated(at=(fourth - 8) / len(text), workout=answer))
    seen: list[Draft] = []
    result = build_workout(REQUEST, make_client(), progress=seen.append)
    assert result.source == "fallback"
    assert result.attempts[0].error == "truncated at max_tokens"
    assert max(len(d.exercises) for d in seen) == 2


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (stall(30), "the answer stalled: silent for 0.6 s"),
        (drop(), "connection dropped mid-answer: RemoteProtocolError"),
        (overloaded(), "overloaded_error: Overloaded mid-answer"),
        (truncated(), "truncated at max_tokens"),
        (hang(30), "no first byte within 0.6 s"),
    ],
    ids=["stall", "drop", "overloaded", "max_tokens", "no-first-byte"],
)
def test_a_fault_mid_stream_ends_the_call_and_falls_back_with_its_reason(
    fake: FakeMessagesAPI, make_client: Any, reply: Any, reason: str
) -> None:
    fake.script(reply)
    result = build_workout(REQUEST, make_client(max_retries=2))
    assert result.source == "fallback"
    assert result.workout.exercises
    (attempt,) = result.attempts
    assert attempt.error == reason
    assert attempt.outcome == ("invalid" if reply.kind == "truncated" else "error")
    if reply.kind != "hang":  # what had been written is kept for the log
        assert (attempt.response_text or "").startswith('{"title": ')
    assert len(fake.requests) == 1  # none of these is retried inside the call


def test_the_stall_limit_is_not_the_first_byte_limit(
    fake: FakeMessagesAPI, make_client: Any
) -> None:
    """A pause of 1 s mid-answer is within a 3 s stall limit, though the first-byte limit is
    0.3 s: the answer is used."""
    fake.script(stall(1.0))
    result = build_workout(REQUEST, make_client(first_byte_s=0.3, stall_s=3.0))
    assert result.source == "ai"
    assert result.attempts[0].outcome == "ok"


def test_a_progress_that_fails_does_not_end_the_call(
    fake: FakeMessagesAPI, make_client: Any
) -> None:
    calls: list[Draft] = []

    def broken(draft: Draft) -> None:
        calls.append(draft)
        raise RuntimeError("the chat is down")

    result = build_workout(REQUEST, make_client(), progress=broken)
    assert result.source == "ai"
    assert len(calls) >= 3
