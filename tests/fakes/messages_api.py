"""A strict fake of Anthropic's Messages API on 127.0.0.1, for the real SDK to talk to.

    fake = FakeMessagesAPI(api_key="test-key").start()      # or the fake_anthropic fixture
    client = anthropic.Anthropic(api_key="test-key", base_url=fake.url)
    fake.script(fake.status(529), fake.ok())                 # then the default: a valid answer

Strict like the real one where it matters to us: 401 without the key, 400 for a missing
model/max_tokens/messages, bad roles, a forced tool that is not offered, a tool schema that
is not an object schema, more than four cache_control blocks. It records every request
(without the key) and the most requests it ever had in flight. Its default answer is a
valid workout for the request it received, built by the rule-based generator from the
JSON inside <request> tags, with usage that simulates prompt caching.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.models import Profile, WorkoutRequest

__all__ = ["FakeMessagesAPI", "Reply", "fake_anthropic"]

API_KEY = "sk-ant-test-0123456789"
_REQUEST = re.compile(r"<request>(.*?)</request>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted behaviour: a status and body, a delay, or a dropped connection."""

    kind: str  # "ok", "status", "hang", "reset", "prose", "truncated", "workout"
    status: int = 200
    error_type: str = ""
    retry_after: int | None = None
    seconds: float = 0.0
    text: str = ""
    workout: dict[str, Any] | None = None


@dataclass
class Recorded:
    """One request the fake received."""

    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeMessagesAPI:
    """The fake server; see the module docstring."""

    def __init__(self, *, api_key: str = API_KEY, latency: float = 0.0) -> None:
        self.api_key = api_key
        self.latency = latency
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: list[Reply] = []
        self._seen_prefixes: set[str] = set()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeMessagesAPI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_get("/v1/models/{model}", self._model)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ scripting
    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order; then the default."""
        with self._lock:
            self._script.extend(replies)

    @staticmethod
    def ok(workout: dict[str, Any] | None = None) -> Reply:
        return Reply("workout", workout=workout) if workout else Reply("ok")

    @staticmethod
    def status(code: int, error_type: str | None = None, retry_after: int | None = None) -> Reply:
        default = {429: "rate_limit_error", 529: "overloaded_error", 500: "api_error"}
        return Reply(
            "status",
            status=code,
            error_type=error_type or default.get(code, "api_error"),
            retry_after=retry_after,
        )

    @staticmethod
    def hang(seconds: float) -> Reply:
        return Reply("hang", seconds=seconds)

    @staticmethod
    def reset() -> Reply:
        return Reply("reset")

    @staticmethod
    def prose(text: str = "Sure! Here is a great workout: do some squats.") -> Reply:
        return Reply("prose", text=text)

    @staticmethod
    def truncated() -> Reply:
        return Reply("truncated")

    # ------------------------------------------------------------------ handlers
    async def _model(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "authentication_error", "invalid x-api-key")
        model = request.match_info["model"]
        return web.json_response({"type": "model", "id": model, "display_name": model})

    def _authorised(self, request: web.Request) -> bool:
        key = request.headers.get("x-api-key") or ""
        bearer = request.headers.get("authorization", "")
        return key == self.api_key or bearer == f"Bearer {self.api_key}"

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        if not self._authorised(request):
            return _error(401, "authentication_error", "invalid x-api-key")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "invalid_request_error", "body is not JSON")
        headers = {
            k.lower(): v
            for k, v in request.headers.items()
            if k.lower() not in ("x-api-key", "authorization")
        }
        with self._lock:
            self.requests.append(Recorded(headers, body))
            reply = self._script.pop(0) if self._script else Reply("ok")
        if problem := _invalid(body):
            return _error(400, "invalid_request_error", problem)
        if self.latency:
            await asyncio.sleep(self.latency)
        if reply.kind == "status":
            extra = {"retry-after": str(reply.retry_after)} if reply.retry_after is not None else {}
            return _error(reply.status, reply.error_type, f"fake {reply.error_type}", extra)
        if reply.kind == "hang":
            await asyncio.sleep(reply.seconds)
            return _error(504, "timeout_error", "fake hang ended")
        if reply.kind == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        usage = self._usage(body)
        if reply.kind == "prose":
            return web.json_response(
                _message(body, [{"type": "text", "text": reply.text}], "end_turn", usage)
            )
        workout = reply.workout or _workout_for(body)
        tool = (
            body["tool_choice"]["name"]
            if body.get("tool_choice", {}).get("type") == "tool"
            else "submit_workout"
        )
        block = {
            "type": "tool_use",
            "id": f"toolu_{random.randrange(10**12)}",
            "name": tool,
            "input": workout,
        }
        if reply.kind == "truncated":
            text = json.dumps(workout)[:200]
            return web.json_response(
                _message(body, [{"type": "text", "text": text}], "max_tokens", usage)
            )
        return web.json_response(_message(body, [block], "tool_use", usage))

    def _usage(self, body: dict[str, Any]) -> dict[str, int]:
        prefix = json.dumps([body.get("tools"), body.get("system")], sort_keys=True)
        cached = any(
            isinstance(b, dict) and "cache_control" in b
            for b in (body.get("system") if isinstance(body.get("system"), list) else [])
        )
        prefix_tokens = len(prefix) // 4
        user_tokens = len(json.dumps(body.get("messages"))) // 4
        usage = {
            "input_tokens": user_tokens,
            "output_tokens": 900,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        }
        if not cached:
            usage["input_tokens"] += prefix_tokens
        elif prefix in self._seen_prefixes:
            usage["cache_read_input_tokens"] = prefix_tokens
        else:
            self._seen_prefixes.add(prefix)
            usage["cache_creation_input_tokens"] = prefix_tokens
        return usage


def _error(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"type": "error", "error": {"type": kind, "message": message}},
        status=status,
        headers=headers or {},
    )


def _invalid(body: dict[str, Any]) -> str | None:
    for required in ("model", "max_tokens", "messages"):
        if required not in body:
            return f"{required}: Field required"
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        return "max_tokens: must be a positive integer"
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if any(m.get("role") not in ("user", "assistant") for m in messages):
        return "messages: roles must be 'user' or 'assistant'"
    if messages[0].get("role") != "user":
        return "messages: first message must use the 'user' role"
    for key in ("temperature", "top_p"):
        if key in body:
            return f"{key}: Extra inputs are not permitted"
    tools = body.get("tools") or []
    names = set()
    for tool in tools:
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return f"tools.{tool.get('name')}.input_schema: must be an object schema"
        names.add(tool.get("name"))
    choice = body.get("tool_choice")
    if choice and choice.get("type") == "tool" and choice.get("name") not in names:
        return f"tool_choice: tool {choice.get('name')!r} not found in tools"
    marks = sum(
        1
        for block in (body.get("system") if isinstance(body.get("system"), list) else [])
        + [t for t in tools]
        if isinstance(block, dict) and "cache_control" in block
    )
    if marks > 4:
        return "A maximum of 4 blocks with cache_control may be provided"
    return None


def _message(
    body: dict[str, Any], content: list[dict[str, Any]], stop: str, usage: dict[str, int]
) -> dict[str, Any]:
    return {
        "id": f"msg_{random.randrange(10**12)}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }


def _workout_for(body: dict[str, Any]) -> dict[str, Any]:
    """A valid answer for the request inside the prompt (rule-based, in the right shape)."""
    from core.rulebased import generate_rule_based

    content = body["messages"][0]["content"]
    text = content if isinstance(content, str) else "".join(b.get("text", "") for b in content)
    match = _REQUEST.search(text)
    data = json.loads(match.group(1)) if match else {}
    request = WorkoutRequest(
        coach=data.get("coach", "MAX"),
        workout_type=WorkoutType(data.get("workout_type", "strength")),
        duration_min=int(data.get("duration_min", 30)),
        equipment=frozenset(Equipment(e) for e in data.get("equipment", [])),
        profile=Profile(
            level=FitnessLevel(data.get("level", "intermediate")),
            goals=tuple(Goal(g) for g in data.get("goals", ["general_fitness"])),
            units=Units(data.get("units", "kg")),
        ),
    )
    return generate_rule_based(request, random.Random()).model_dump(mode="json")


@pytest.fixture
def fake_anthropic() -> Iterator[FakeMessagesAPI]:
    """A started fake Messages API (key ``fake.api_key``, root ``fake.url``)."""
    fake = FakeMessagesAPI().start()
    try:
        yield fake
    finally:
        fake.stop()
