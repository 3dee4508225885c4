"""The Claude client through the real anthropic SDK against the strict fake Messages API."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from pydantic import SecretStr

from adapters.claude import MAX_RETRY_WAIT_S, ClaudeClient, make_ai_client, strict_tool
from adapters.settings import Settings
from core.domain import Equipment
from core.models import WorkoutRequest
from core.pipeline import AIAttempt, PipelineResult, build_workout
from core.prompt import TOOL_NAME, build_prompt
from core.rulebased import generate_rule_based
from core.validation import validate_workout
from tests.fakes.messages_api import (
    FakeMessagesAPI,
    Reply,
    hang,
    ok,
    prose,
    reset,
    status,
    truncated,
)
from tests.support.workouts import anns_request

MODEL = "claude-sonnet-4-6"
REQUEST = anns_request(Equipment.DUMBBELLS, Equipment.BENCH)


@pytest.fixture
def make_client(fake_anthropic: FakeMessagesAPI) -> Iterator[Any]:
    """Build ClaudeClients on the fake (short timeout, no retries unless asked); closed after."""
    made: list[ClaudeClient] = []

    def make(**options: Any) -> ClaudeClient:
        settings: dict[str, Any] = {
            "api_key": fake_anthropic.api_key,
            "model": MODEL,
            "base_url": fake_anthropic.url,
            "timeout": 2.0,
            "max_retries": 0,
        }
        client = ClaudeClient(**(settings | options))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def no_secret(attempt: AIAttempt, key: str) -> None:
    for text in (attempt.error, attempt.response_text, repr(attempt)):
        assert key not in (text or "")


def fell_back(result: PipelineResult, request: WorkoutRequest = REQUEST) -> AIAttempt:
    """The one attempt of a result that fell back to a valid rule-based workout."""
    assert result.source == "fallback"
    assert result.model == MODEL
    assert validate_workout(result.workout, request) == []
    (attempt,) = result.attempts
    assert attempt.model == MODEL
    assert attempt.latency_ms >= 0
    return attempt


# ---------------------------------------------------------------------- the request


def test_the_request_carries_the_schema_the_forced_tool_and_cache_control(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    build_workout(REQUEST, make_client(max_tokens=4000))
    (recorded,) = fake_anthropic.requests
    body = recorded.body
    prompt = build_prompt(REQUEST)
    assert body["model"] == MODEL
    assert body["max_tokens"] == 4000
    assert body["tools"] == [{**strict_tool(prompt.tool), "eager_input_streaming": True}]
    assert body["tools"][0]["strict"] is True
    assert body["stream"] is True  # messages.stream
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert body["system"] == prompt.system
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"] == [{"role": "user", "content": prompt.user}]
    assert not {"temperature", "top_p"} & set(body)
    assert recorded.headers["anthropic-version"]
    assert recorded.headers["x-stainless-retry-count"] == "0"
    assert fake_anthropic.api_key not in json.dumps(recorded.headers)
    assert fake_anthropic.rejected() == []


def test_a_good_answer_parses_and_the_second_call_reads_the_cache(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    client = make_client()
    first = build_workout(REQUEST, client)
    assert first.source == "ai"
    (attempt,) = first.attempts
    assert attempt.outcome == "ok"
    assert attempt.error is None
    assert attempt.input_tokens > 0 and attempt.output_tokens > 0
    assert attempt.cache_write_tokens > 1000 and attempt.cache_read_tokens == 0
    assert json.loads(attempt.response_text or "") == first.workout.model_dump(mode="json")

    other_coach = REQUEST.model_copy(update={"coach": "SAGE", "duration_min": 30})
    second = build_workout(other_coach, client)
    assert second.source == "ai"
    (again,) = second.attempts
    assert again.cache_read_tokens == attempt.cache_write_tokens  # one prefix for every coach
    assert again.cache_write_tokens == 0
    assert again.input_tokens < again.cache_read_tokens


def test_an_answer_that_is_not_a_workout_is_invalid(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    fake_anthropic.script(ok({"title": "Leg day", "intro": "Go", "exercises": "lots"}))
    attempt = fell_back(build_workout(REQUEST, make_client()))
    assert attempt.outcome == "invalid"
    assert (attempt.error or "").startswith("not a workout: exercises")
    assert attempt.input_tokens > 0  # the call itself worked and cost tokens


# ---------------------------------------------------------------------- every failure


@pytest.mark.parametrize(
    ("reply", "outcome", "reason"),
    [
        (status(500), "error", "HTTP 500 api_error"),
        (status(529), "error", "HTTP 529 overloaded_error"),
        (status(429, retry_after=1), "error", "HTTP 429 rate_limit_error"),
        (status(400), "error", "HTTP 400 invalid_request_error"),
        (hang(3), "error", "no first byte within 0.5 s"),
        (reset(), "error", "connection failed"),
        (prose(), "invalid", "no tool call: the answer holds no JSON object (prose)"),
        (truncated(), "invalid", "truncated at max_tokens"),
    ],
    ids=["500", "529", "429", "400", "hang", "reset", "prose", "truncated"],
)
def test_every_failure_ends_in_a_fallback_workout_and_one_attempt(
    fake_anthropic: FakeMessagesAPI, make_client: Any, reply: Reply, outcome: str, reason: str
) -> None:
    fake_anthropic.script(reply)
    attempt = fell_back(build_workout(REQUEST, make_client(timeout=0.5)))
    assert attempt.outcome == outcome
    assert reason in (attempt.error or "")
    no_secret(attempt, fake_anthropic.api_key)
    assert len(fake_anthropic.requests) == 1  # max_retries=0: no second try


def test_an_unsafe_answer_is_rejected(fake_anthropic: FakeMessagesAPI, make_client: Any) -> None:
    """A load no one should lift is not a coach's slip: the answer is not used."""
    answer = generate_rule_based(REQUEST, random.Random(5)).model_dump(mode="json")
    heavy = next(e for e in answer["exercises"] if e["weighted"])
    heavy["target_weight"] = 900
    fake_anthropic.script(ok(answer))
    attempt = fell_back(build_workout(REQUEST, make_client()))
    assert attempt.outcome == "rejected"
    assert f"exercise '{heavy['name']}' is weighted but has no sane target weight" in (
        attempt.error or ""
    )
    assert json.loads(attempt.response_text or "") == answer


def test_a_move_on_missing_gear_is_swapped_and_the_raw_answer_kept(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    barbell = REQUEST.model_copy(update={"equipment": frozenset({Equipment.BARBELL})})
    answer = generate_rule_based(barbell, random.Random(5)).model_dump(mode="json")
    lifted = [e["name"] for e in answer["exercises"] if "barbell" in e["equipment"]]
    assert lifted
    fake_anthropic.script(ok(answer))
    result = build_workout(REQUEST, make_client())
    assert result.source == "ai"
    (attempt,) = result.attempts
    swapped = [r.what.split(" (")[0] for r in attempt.repairs if r.kind == "gear"]
    assert swapped == lifted
    assert all(Equipment.BARBELL not in e.equipment for e in result.workout.exercises)
    assert validate_workout(result.workout, REQUEST) == []
    assert json.loads(attempt.response_text or "") == answer  # the log keeps what was sent


def test_a_wrong_key_is_an_error_that_does_not_leak_the_key(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    wrong = "sk-ant-wrong-key-0000000000"
    attempt = fell_back(build_workout(REQUEST, make_client(api_key=wrong)))
    assert attempt.outcome == "error"
    assert "HTTP 401 authentication_error" in (attempt.error or "")
    no_secret(attempt, wrong)
    assert fake_anthropic.rejected()[0].status == 401


def test_an_answer_echoing_the_key_is_scrubbed(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    fake_anthropic.script(prose(f"Your key is {fake_anthropic.api_key}, have a nice day."))
    attempt = fell_back(build_workout(REQUEST, make_client()))
    no_secret(attempt, fake_anthropic.api_key)
    assert "[key]" in (attempt.response_text or "")


# ---------------------------------------------------------------------- retries


def test_retry_after_is_honoured_then_the_retry_succeeds(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    fake_anthropic.script(status(429, retry_after=1))
    result = build_workout(REQUEST, make_client(max_retries=1))
    assert result.source == "ai"
    first, second = fake_anthropic.requests
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0
    assert second.headers["x-stainless-retry-count"] == "1"


def test_an_overloaded_api_is_retried_once_then_gives_up(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    fake_anthropic.script(status(529), status(529), status(529))
    attempt = fell_back(build_workout(REQUEST, make_client(max_retries=1)))
    assert "HTTP 529 overloaded_error" in (attempt.error or "")
    assert [r.status for r in fake_anthropic.requests] == [529, 529]


def test_a_long_retry_after_is_not_waited_for(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    fake_anthropic.script(status(429, retry_after=MAX_RETRY_WAIT_S * 60))
    started = time.monotonic()
    attempt = fell_back(build_workout(REQUEST, make_client(max_retries=2)))
    assert time.monotonic() - started < 2
    assert "retry after 600 s" in (attempt.error or "")
    assert len(fake_anthropic.requests) == 1


def test_a_hang_is_cut_by_the_first_byte_limit_and_not_retried(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    """The SDK would retry a timeout max_retries times, each as long: a silent API would
    cost minutes. A hang ends the call at the first-byte limit; the fallback serves."""
    fake_anthropic.script(hang(5))
    attempt = fell_back(build_workout(REQUEST, make_client(first_byte_s=0.5, max_retries=2)))
    assert attempt.error == "no first byte within 0.5 s"
    assert len(fake_anthropic.requests) == 1


# ---------------------------------------------------------------------- settings and threads


def test_make_ai_client_needs_a_key_and_reads_the_base_url_from_the_environment(
    fake_anthropic: FakeMessagesAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert make_ai_client(Settings(_env_file=None, anthropic_api_key=None)) is None
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    settings = Settings(
        _env_file=None,
        anthropic_api_key=SecretStr(fake_anthropic.api_key),
        anthropic_model=MODEL,
        anthropic_timeout=2,
        anthropic_max_retries=0,
    )
    client = make_ai_client(settings)
    assert isinstance(client, ClaudeClient)
    try:
        assert client.model == MODEL
        assert build_workout(REQUEST, client).source == "ai"
    finally:
        client.close()


def test_one_client_serves_many_threads_at_once(
    fake_anthropic: FakeMessagesAPI, make_client: Any
) -> None:
    fake_anthropic.latency = 1.0  # long enough for all 30 to overlap on a busy machine
    client = make_client()
    results: list[PipelineResult] = []
    lock = threading.Lock()

    def run(coach: str) -> None:
        result = build_workout(REQUEST.model_copy(update={"coach": coach}), client)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in ["MAX", "KAI", "ZARA"] * 10]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert [r.source for r in results] == ["ai"] * 30
    assert fake_anthropic.max_in_flight == 30  # all at once: the client does not serialise


# ---------------------------------------------------------------------- the fake is strict


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tool_choice": {"type": "tool", "name": "other_tool"}}, "not found in provided tools"),
        ({"tools": [{"name": TOOL_NAME, "input_schema": {"type": "array"}}]}, "input_schema"),
        ({"messages": [{"role": "system", "content": "hi"}]}, "role"),
        ({"messages": []}, "at least one message"),
        ({"system": [{"type": "text", "text": ""}]}, "non-empty"),
        ({"extra_body": {"temperature": 0.2}}, "temperature: Extra inputs are not permitted"),
        (
            {
                "system": [
                    {"type": "text", "text": f"block {i}", "cache_control": {"type": "ephemeral"}}
                    for i in range(5)
                ]
            },
            "A maximum of 4 blocks with cache_control",
        ),
        (
            {
                "tools": [
                    {
                        "name": TOOL_NAME,
                        "strict": True,
                        "input_schema": {
                            "type": "object",
                            "properties": {"title": {"type": "string", "maxLength": 80}},
                            "additionalProperties": False,
                        },
                    }
                ]
            },
            "'maxLength' is not supported in strict mode",
        ),
    ],
    ids=[
        "unknown-tool",
        "array-schema",
        "bad-role",
        "no-messages",
        "empty-text",
        "temperature",
        "five-breakpoints",
        "strict-maxlength",
    ],
)
def test_the_fake_refuses_what_the_api_refuses(
    fake_anthropic: FakeMessagesAPI, change: dict[str, Any], message: str
) -> None:
    prompt = build_prompt(REQUEST)
    params: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 1000,
        "system": prompt.system,
        "tools": [strict_tool(prompt.tool)],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
        "messages": [{"role": "user", "content": prompt.user}],
    } | change
    with (
        anthropic.Anthropic(
            api_key=fake_anthropic.api_key, base_url=fake_anthropic.url, max_retries=0
        ) as sdk,
        pytest.raises(anthropic.BadRequestError, match=message),
    ):
        sdk.messages.create(**params)
    assert [r.status for r in fake_anthropic.rejected()] == [400]
