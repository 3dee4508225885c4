"""A strict fake of Anthropic's Messages API on 127.0.0.1, for the real SDK to talk to.

    fake = FakeMessagesAPI().start()                    # or the ``fake_anthropic`` fixture
    client = anthropic.Anthropic(api_key=fake.api_key, base_url=fake.url)
    fake.script(status(529), ok())                      # then the default: a valid answer

Register the fixture with ``pytest_plugins = ["tests.fakes.messages_api"]`` (tests/conftest.py
does). The server is aiohttp on its own event loop in a background thread, so hundreds of
slow requests can be in flight at once.

Strict like the real API where it matters to us: 401 without the key (``x-api-key`` or the
``Authorization: Bearer`` the SDK sends), 400 without ``anthropic-version``, for a missing or
malformed model/max_tokens/messages, unknown top-level fields (``temperature`` included: the
SDK no longer sends it), bad roles, empty text blocks, a tool_choice naming a tool that is not
offered, duplicate tool names, an input_schema that is not an object schema, a strict tool
whose schema uses keywords strict mode does not support, and cache_control on more than four
blocks. Every request is recorded (headers without the key, the JSON body, the status), and
so is the most requests ever in flight.

Answers: a script of replies (``ok``, ``status``, ``hang``, ``reset``, ``prose``,
``truncated``, ``tool_answer`` for any other tool, checked against its strict schema, and
for streamed requests the mid-stream faults ``stall``, ``drop`` and ``overloaded``), then
``default`` (None: a valid workout for the request it received, built by
the rule-based generator from the JSON inside the prompt's <request> tags). Usage simulates
prompt caching: the prefix up to the last cache_control breakpoint is written to the cache
the first time it is seen (``cache_creation_input_tokens``) and read on later requests
(``cache_read_input_tokens``), if it is at least ``min_cacheable_tokens`` long, as on the
real API. Tokens are counted as four characters each.

Streaming (``"stream": true``, what ``messages.stream`` sends) answers with real server-sent
events in the API's order: ``message_start``, ``content_block_start``, ``input_json_delta``
chunks of ``chunk_tokens`` tokens (``text_delta`` for prose), ``content_block_stop``,
``message_delta`` (the stop reason and the output tokens), ``message_stop``, with ``ping``
after the start. ``tokens_per_second`` paces the deltas (None: all at once). Mid-stream
faults happen after ``at`` characters of the answer: ``stall`` goes silent for ``seconds``
(then carries on, if the client still listens), ``drop`` closes the connection, ``overloaded``
sends the API's ``error`` event (``overloaded_error``, as a 529 would say) and ends, and
``truncated`` stops with ``max_tokens``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from aiohttp import web

from tests.fakes.local_server import LocalServer

__all__ = [
    "API_KEY",
    "FakeMessagesAPI",
    "Recorded",
    "Reply",
    "drop",
    "fake_anthropic",
    "hang",
    "ok",
    "overloaded",
    "prose",
    "reset",
    "schema_mismatches",
    "stall",
    "status",
    "tool_answer",
    "truncated",
]

API_KEY = "sk-ant-test-0123456789"
CHARS_PER_TOKEN = 4
MAX_CACHE_BREAKPOINTS = 4
MAX_TOKENS_LIMIT = 128_000

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_TOP_LEVEL = frozenset(
    {
        "model", "max_tokens", "messages", "system", "tools", "tool_choice", "metadata",
        "stop_sequences", "stream", "thinking", "service_tier", "output_config",
        "cache_control", "container", "diagnostics", "inference_geo", "speed",
    }
)  # fmt: skip
_STRICT_UNSUPPORTED = frozenset(
    {
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "maxItems", "uniqueItems", "minProperties",
        "maxProperties", "patternProperties", "if", "then", "else", "not",
        "dependentRequired", "dependentSchemas", "unevaluatedProperties",
    }
)  # fmt: skip
_TOOL_FIELDS = frozenset(
    {
        "name", "description", "input_schema", "strict", "cache_control", "type",
        "eager_input_streaming", "input_examples", "defer_loading", "allowed_callers",
    }
)  # fmt: skip
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

ReplyKind = Literal[
    "ok", "status", "hang", "reset", "prose", "truncated", "stall", "drop", "overloaded"
]


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted behaviour of the fake."""

    kind: ReplyKind
    workout: dict[str, Any] | None = None
    """ok: the tool input to answer with (None: a valid workout for the request)."""
    status: int = 200
    error_type: str = ""
    retry_after: float | None = None
    """status: sent as the ``retry-after`` header when set."""
    seconds: float = 0.0
    """hang: how long to wait before answering normally."""
    text: str = ""
    """prose: the text block of an ``end_turn`` answer without a tool call."""
    tool: str | None = None
    """tool_answer: the tool the request must force; its input is ``workout``."""
    at: float = 0.5
    """stall, drop, overloaded, truncated (streamed): where in the answer the fault comes,
    as a share of its characters (0.5: half-way)."""


def ok(workout: dict[str, Any] | None = None) -> Reply:
    """A tool_use answer with ``workout`` as input (default: valid for the request)."""
    return Reply("ok", workout=workout)


def status(code: int, error_type: str | None = None, retry_after: float | None = None) -> Reply:
    """An error response like Anthropic's (``overloaded_error`` for 529 and so on)."""
    kind = error_type or _ERROR_TYPES.get(code, "api_error")
    return Reply("status", status=code, error_type=kind, retry_after=retry_after)


def hang(seconds: float) -> Reply:
    """Say nothing for ``seconds``, then answer normally (if the client still waits)."""
    return Reply("hang", seconds=seconds)


def reset() -> Reply:
    """Drop the connection without a response."""
    return Reply("reset")


def prose(text: str = "Sure! Here is a great workout: do some squats, then rest.") -> Reply:
    """An ``end_turn`` answer with a text block only: no tool call."""
    return Reply("prose", text=text)


def tool_answer(tool: str, tool_input: dict[str, Any]) -> Reply:
    """A tool_use answer of ``tool`` with ``tool_input``, for any tool (not only the
    workout's). Strict as the real API: the request must force that tool, and when the tool
    is strict the input must match its input_schema (the real API guarantees it), else the
    fake answers 500 naming the mismatch, so a test cannot script what Claude never sends."""
    return Reply("ok", workout=tool_input, tool=tool)


def truncated(at: float = 0.5, workout: dict[str, Any] | None = None) -> Reply:
    """``stop_reason: max_tokens`` with a tool call whose input was cut short (streamed: cut
    after ``at`` of its characters of ``workout``, or of the default answer)."""
    return Reply("truncated", workout=workout, at=at)


def stall(seconds: float, at: float = 0.5, workout: dict[str, Any] | None = None) -> Reply:
    """Streamed: write ``at`` of the answer, then say nothing for ``seconds``, then go on."""
    return Reply("stall", workout=workout, seconds=seconds, at=at)


def drop(at: float = 0.5) -> Reply:
    """Streamed: write ``at`` of the answer, then close the connection."""
    return Reply("drop", at=at)


def overloaded(at: float = 0.5) -> Reply:
    """Streamed: write ``at`` of the answer, then an ``error`` event (overloaded_error)."""
    return Reply("overloaded", at=at)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the fake received."""

    headers: dict[str, str]
    """Lower-cased names; ``x-api-key`` and ``authorization`` left out."""
    body: Any
    """The decoded JSON body (None when it was not JSON)."""
    status: int
    """The status the fake answered with (0: dropped connection; -1: still being answered)."""
    at: float = field(default=0.0)
    """``time.monotonic()`` when the request arrived."""


class _BadRequest(Exception):
    """The request breaks a rule of the real API; answered with 400."""


async def _wait_unless_gone(request: web.Request, seconds: float) -> None:
    """Sleep ``seconds``, or less when the client closes the connection: the real API stops
    working on a request whose client went away (aiohttp does not cancel the handler)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if request.transport is None or request.transport.is_closing():
            return
        await asyncio.sleep(min(0.05, left))


def _tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


class FakeMessagesAPI(LocalServer):
    """The fake server; see the module docstring."""

    thread_name = "fake-messages-api"

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        latency: float = 0.0,
        min_cacheable_tokens: int = 1024,
        tokens_per_second: float | None = None,
        chunk_tokens: int = 4,
        answer_seconds: float | None = None,
        ready_answers: bool = False,
    ) -> None:
        self.api_key = api_key
        self.latency = latency
        """Seconds every answer waits before it is sent."""
        self.tokens_per_second = tokens_per_second
        """Streamed answers: the pace of the deltas (None: as fast as the socket takes them)."""
        self.chunk_tokens = chunk_tokens
        """Streamed answers: tokens (four characters each) per delta event."""
        self.answer_seconds = answer_seconds
        """Streamed answers: spread the deltas over this long, whatever the answer's length
        (instead of ``tokens_per_second``)."""
        self.ready_answers = ready_answers
        """An AI with its answers ready (the overhead benchmark's instant AI): the workout
        written for the first request of a kind (the same ``<request>`` data) answers every
        later one at once. Otherwise each answer is written anew by the rule-based generator,
        about a millisecond of the fake's own that a client's figures would include."""
        self._ready: dict[str, dict[str, Any]] = {}
        self.streams: list[list[tuple[float, str]]] = []
        """Every streamed answer's events as sent: (``time.monotonic()``, event name)."""
        self.written: list[tuple[str, list[tuple[float, int]]]] = []
        """Every streamed answer's text, and when each delta went out with how many of its
        characters had been sent by then."""
        self.min_cacheable_tokens = min_cacheable_tokens
        self.unknown_models: set[str] = set()
        """Models GET /v1/models/{id} answers 404 for."""
        self.default: Reply | None = None
        """The reply once the script is empty; None: a valid workout for the request."""
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: list[Reply] = []
        self._cache: set[str] = set()
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def _startup(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_get("/v1/models/{model_id}", self._model)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        """Stop the server; requests still hanging are dropped."""
        if self._runner is not None:
            await self._runner.cleanup()
        # Handlers still sleeping (hang, latency) for clients that gave up: end them now.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # ------------------------------------------------------------------ scripting

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order; then ``default``."""
        with self._lock:
            self._script.extend(replies)

    def clear(self) -> None:
        """Forget recorded requests, the script, the cache and the in-flight maximum."""
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self._cache.clear()
            self.max_in_flight = self.in_flight

    def rejected(self) -> list[Recorded]:
        """Requests the fake refused as malformed (400) or unauthorised (401)."""
        with self._lock:
            return [r for r in self.requests if r.status in (400, 401)]

    ok = staticmethod(ok)
    status = staticmethod(status)
    hang = staticmethod(hang)
    reset = staticmethod(reset)
    prose = staticmethod(prose)
    truncated = staticmethod(truncated)
    stall = staticmethod(stall)
    drop = staticmethod(drop)
    overloaded = staticmethod(overloaded)

    # ------------------------------------------------------------------ HTTP

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        arrived = time.monotonic()
        headers = {
            k.lower(): v
            for k, v in request.headers.items()
            if k.lower() not in ("x-api-key", "authorization")
        }
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        record = Recorded(headers, body, -1, arrived)
        with self._lock:
            self.requests.append(record)  # in arrival order; the status is filled in below
        code = 0
        try:
            response = await self._answer(request, body, raw)
            code = response.status if response is not None else 0
            return response if response is not None else web.Response(status=500)
        finally:
            with self._lock:
                self.in_flight -= 1
                for i, seen in enumerate(self.requests):
                    if seen is record:
                        self.requests[i] = dataclasses.replace(record, status=code)

    async def _answer(
        self, request: web.Request, body: Any, raw: bytes
    ) -> web.StreamResponse | None:
        if not self._authorised(request):
            return _error(401, "authentication_error", "invalid x-api-key")
        try:
            if not request.headers.get("anthropic-version"):
                raise _BadRequest("anthropic-version: header is required")
            if body is None:
                raise _BadRequest(f"body: not valid JSON ({len(raw)} bytes)")
            _check_body(body)
        except _BadRequest as exc:
            return _error(400, "invalid_request_error", str(exc))
        with self._lock:
            reply = self._script.pop(0) if self._script else self.default or ok()
        if self.latency:
            await _wait_unless_gone(request, self.latency)
        if reply.kind == "hang":
            await _wait_unless_gone(request, reply.seconds)
            reply = ok()
        if request.transport is None or request.transport.is_closing():
            return None  # the client gave up waiting: nobody to answer
        if reply.kind == "status":
            extra = {"retry-after": f"{reply.retry_after:g}"} if reply.retry_after else {}
            return _error(reply.status, reply.error_type, f"fake {reply.error_type}", extra)
        if reply.kind == "reset":
            if request.transport is not None:
                request.transport.abort()
            return None
        if body.get("stream"):
            return await self._stream(request, body, reply)
        if reply.kind in ("stall", "drop", "overloaded"):
            return _error(400, "invalid_request_error", f"{reply.kind}: a streamed reply")
        try:
            return web.json_response(self._message(body, reply), headers=_request_id())
        except Exception as exc:  # a bug in the fake or an unusable prompt: loud, not a hang
            return _error(500, "api_error", f"fake could not answer: {exc!r}")

    async def _model(self, request: web.Request) -> web.Response:
        """GET /v1/models/{id} (what ``flexflow doctor`` asks): 401 without the key, 404 for a
        model in ``unknown_models``, otherwise the model. Not recorded in ``requests``."""
        if not self._authorised(request):
            return _error(401, "authentication_error", "invalid x-api-key")
        model_id = request.match_info["model_id"]
        if model_id in self.unknown_models:
            return _error(404, "not_found_error", f"model: {model_id}")
        return web.json_response(
            {
                "type": "model",
                "id": model_id,
                "display_name": model_id,
                "created_at": "2025-01-01T00:00:00Z",
            },
            headers=_request_id(),
        )

    def _workout(self, body: dict[str, Any]) -> dict[str, Any]:
        """A valid answer for the request inside the prompt (see ``ready_answers``)."""
        data = _request_data(body)
        if not self.ready_answers:
            return _workout_for(data)
        key = json.dumps(data, sort_keys=True)
        with self._lock:
            ready = self._ready.get(key)
        if ready is None:
            ready = _workout_for(data)
            with self._lock:
                self._ready[key] = ready
        return ready

    def _authorised(self, request: web.Request) -> bool:
        key = request.headers.get("x-api-key")
        bearer = request.headers.get("authorization")
        return key == self.api_key or bearer == f"Bearer {self.api_key}"

    # ------------------------------------------------------------------ answers

    def _message(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        if reply.kind == "prose":
            content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}]
            return self._envelope(body, content, "end_turn", _tokens(reply.text))
        if reply.tool is not None:
            _check_scripted_tool(body, reply.tool, reply.workout or {})
        workout = reply.workout if reply.workout is not None else self._workout(body)
        block = {
            "type": "tool_use",
            "id": f"toolu_{uuid.uuid4().hex[:24]}",
            "name": _answer_tool(body),
            "input": workout,
        }
        if reply.kind == "truncated":
            # Cut mid-way: what had been written of the input when max_tokens ran out.
            block["input"] = {k: workout[k] for k in list(workout)[:2]}
            return self._envelope(body, [block], "max_tokens", body["max_tokens"])
        return self._envelope(body, [block], "tool_use", _tokens(json.dumps(workout)))

    async def _stream(
        self, request: web.Request, body: dict[str, Any], reply: Reply
    ) -> web.StreamResponse | None:
        """The answer as server-sent events, paced at ``tokens_per_second``."""
        if reply.kind == "prose":
            kind, text = "text", reply.text
        else:
            workout = reply.workout if reply.workout is not None else self._workout(body)
            kind, text = "tool_use", json.dumps(workout)
        cut = len(text)
        if reply.kind in ("stall", "drop", "overloaded", "truncated"):
            cut = max(1, min(len(text) - 1, int(len(text) * reply.at)))
        response = web.StreamResponse(
            status=200,
            headers={"content-type": "text/event-stream", "cache-control": "no-cache",
                     **_request_id()},
        )  # fmt: skip
        await response.prepare(request)
        sent: list[tuple[float, str]] = []
        progress: list[tuple[float, int]] = []
        with self._lock:
            self.streams.append(sent)
            self.written.append((text, progress))

        step = max(1, self.chunk_tokens * CHARS_PER_TOKEN)
        pause = self.chunk_tokens / self.tokens_per_second if self.tokens_per_second else 0.0
        if self.answer_seconds is not None:
            pause = self.answer_seconds / max(1, -(-len(text) // step))
        # Unpaced (an instant AI), the events go out in one write, as the API's would when
        # they are all ready at once: a write and a drain each would be the fake's own time
        # in a client's figures (the overhead benchmark's 93 events: ~2 ms).
        pending: list[bytes] = []

        async def flush() -> None:
            if pending:
                await response.write(b"".join(pending))
                pending.clear()

        async def event(name: str, data: dict[str, Any]) -> None:
            pending.append(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            if pause:
                await flush()
            sent.append((time.monotonic(), name))

        message = self._envelope(body, [], None, 1)
        await event("message_start", {"type": "message_start", "message": message})
        if kind == "text":
            block: dict[str, Any] = {"type": "text", "text": ""}
        else:
            block = {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:24]}",
                "name": _answer_tool(body),
                "input": {},
            }
        start = {"type": "content_block_start", "index": 0, "content_block": block}
        await event("content_block_start", start)
        await event("ping", {"type": "ping"})
        position = 0
        stop = "end_turn" if kind == "text" else "tool_use"
        while position < len(text):
            end = min(position + step, len(text))
            if position < cut <= end:
                end = cut
            piece = text[position:end]
            delta = (
                {"type": "text_delta", "text": piece}
                if kind == "text"
                else {"type": "input_json_delta", "partial_json": piece}
            )
            if pause:
                await asyncio.sleep(pause)
            await event(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": delta},
            )
            position = end
            progress.append((time.monotonic(), position))
            if position != cut or cut == len(text):
                continue
            await flush()  # what came before the fault reaches the client
            if reply.kind == "stall":
                await _wait_unless_gone(request, reply.seconds)
            elif reply.kind == "drop":
                if request.transport is not None:
                    request.transport.abort()
                return None
            elif reply.kind == "overloaded":
                error = {"type": "overloaded_error", "message": "Overloaded"}
                await event("error", {"type": "error", "error": error})
                await flush()
                await response.write_eof()
                return response
            elif reply.kind == "truncated":
                stop = "max_tokens"
                break
        await event("content_block_stop", {"type": "content_block_stop", "index": 0})
        output_tokens = body["max_tokens"] if stop == "max_tokens" else _tokens(text[:position])
        await event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
        await event("message_stop", {"type": "message_stop"})
        await flush()
        await response.write_eof()
        return response

    def _envelope(
        self,
        body: dict[str, Any],
        content: list[dict[str, Any]],
        stop: str | None,
        output_tokens: int,
    ) -> dict[str, Any]:
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {**self._usage(body), "output_tokens": output_tokens},
        }

    def _usage(self, body: dict[str, Any]) -> dict[str, int]:
        segments = _segments(body)
        total = sum(_tokens(json.dumps(s, sort_keys=True)) for s in segments)
        marked = [
            i for i, s in enumerate(segments) if isinstance(s, dict) and s.get("cache_control")
        ]
        usage = {"input_tokens": total, "cache_read_input_tokens": 0}
        usage["cache_creation_input_tokens"] = 0
        if not marked:
            return usage
        prefix = segments[: marked[-1] + 1]
        prefix_tokens = sum(_tokens(json.dumps(s, sort_keys=True)) for s in prefix)
        if prefix_tokens < self.min_cacheable_tokens:
            return usage
        key = hashlib.sha256(
            json.dumps([body["model"], prefix], sort_keys=True).encode()
        ).hexdigest()
        with self._lock:
            hit = key in self._cache
            self._cache.add(key)
        usage["input_tokens"] = total - prefix_tokens
        usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = prefix_tokens
        return usage


# ---------------------------------------------------------------------- validation


def _check_body(body: Any) -> None:
    if not isinstance(body, dict):
        raise _BadRequest("body: must be a JSON object")
    for required in ("model", "max_tokens", "messages"):
        if required not in body:
            raise _BadRequest(f"{required}: Field required")
    extra = sorted(set(body) - _TOP_LEVEL)
    if extra:
        raise _BadRequest(f"{extra[0]}: Extra inputs are not permitted")
    if not isinstance(body["model"], str) or not body["model"]:
        raise _BadRequest("model: must be a non-empty string")
    max_tokens = body["max_tokens"]
    if type(max_tokens) is not int or not 1 <= max_tokens <= MAX_TOKENS_LIMIT:
        raise _BadRequest(f"max_tokens: must be an integer from 1 to {MAX_TOKENS_LIMIT}")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _BadRequest("stream: Input should be a valid boolean")
    _check_messages(body["messages"])
    _check_system(body.get("system"))
    names = _check_tools(body.get("tools"))
    _check_tool_choice(body.get("tool_choice"), names)
    marks = sum(1 for s in _segments(body) if isinstance(s, dict) and "cache_control" in s)
    marks += 1 if body.get("cache_control") else 0
    if marks > MAX_CACHE_BREAKPOINTS:
        raise _BadRequest(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {marks}."
        )
    for segment in _segments(body):
        if isinstance(segment, dict) and "cache_control" in segment:
            _check_cache_control(segment["cache_control"])


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise _BadRequest("messages: at least one message is required")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise _BadRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        if isinstance(content, str):
            if not content.strip() and i < len(messages) - 1:
                raise _BadRequest(f"messages.{i}: text content blocks must be non-empty")
            continue
        if not isinstance(content, list) or not content:
            raise _BadRequest(f"messages.{i}.content: must be a string or a list of blocks")
        for j, block in enumerate(content):
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                raise _BadRequest(f"messages.{i}.content.{j}: a block needs a type")
            if block["type"] == "text" and not str(block.get("text", "")).strip():
                raise _BadRequest(
                    f"messages.{i}.content.{j}: text content blocks must be non-empty"
                )
    if messages[0]["role"] != "user":
        raise _BadRequest("messages: first message must use the 'user' role")


def _check_system(system: Any) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _BadRequest("system: must be a string or a list of text blocks")
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _BadRequest(f"system.{i}.type: Input should be 'text'")
        if not isinstance(block.get("text"), str) or not block["text"].strip():
            raise _BadRequest(f"system.{i}: text content blocks must be non-empty")
        extra = sorted(set(block) - {"type", "text", "cache_control", "citations"})
        if extra:
            raise _BadRequest(f"system.{i}.{extra[0]}: Extra inputs are not permitted")


def _check_tools(tools: Any) -> set[str]:
    if tools is None:
        return set()
    if not isinstance(tools, list):
        raise _BadRequest("tools: must be a list")
    names: set[str] = set()
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise _BadRequest(f"tools.{i}: must be an object")
        name = tool.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            raise _BadRequest(f"tools.{i}.name: String should match pattern {_TOOL_NAME.pattern}")
        if name in names:
            raise _BadRequest(f"tools: Tool names must be unique ({name!r})")
        names.add(name)
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise _BadRequest(f"tools.{i}.input_schema.type: Input should be 'object'")
        extra = sorted(set(tool) - _TOOL_FIELDS)
        if extra:
            raise _BadRequest(f"tools.{i}.{extra[0]}: Extra inputs are not permitted")
        if not isinstance(tool.get("eager_input_streaming", False), bool):
            raise _BadRequest(f"tools.{i}.eager_input_streaming: Input should be a boolean")
        if tool.get("strict"):
            problems = strict_schema_problems(schema)
            if problems:
                raise _BadRequest(f"tools.{i}.input_schema: {problems[0]}")
    return names


def _check_tool_choice(choice: Any, names: set[str]) -> None:
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        raise _BadRequest("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if choice["type"] in ("any", "tool") and not names:
        raise _BadRequest("tool_choice: may only be specified while providing tools")
    if choice["type"] == "tool" and choice.get("name") not in names:
        raise _BadRequest(f"tool_choice: Tool {choice.get('name')!r} not found in provided tools")


def _check_cache_control(value: Any) -> None:
    if not isinstance(value, dict) or value.get("type") != "ephemeral":
        raise _BadRequest("cache_control.type: Input should be 'ephemeral'")
    if value.get("ttl", "5m") not in ("5m", "1h"):
        raise _BadRequest("cache_control.ttl: Input should be '5m' or '1h'")


def strict_schema_problems(schema: dict[str, Any]) -> list[str]:
    """Why strict tool use would refuse ``schema`` (empty: it is accepted)."""
    problems: list[str] = []
    defs = schema.get("$defs", {})

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            problems.append(f"{path}: a schema must be an object")
            return
        for key in sorted(set(node) & _STRICT_UNSUPPORTED):
            problems.append(f"{path}: '{key}' is not supported in strict mode")
        if node.get("minItems") not in (None, 0, 1):
            problems.append(f"{path}: minItems other than 0 or 1 is not supported in strict mode")
        ref = node.get("$ref")
        if ref is not None and (
            not isinstance(ref, str)
            or not ref.startswith("#/$defs/")
            or ref.removeprefix("#/$defs/") not in defs
        ):
            problems.append(f"{path}: unresolvable $ref {ref!r}")
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: objects must set additionalProperties to false")
            properties = node.get("properties", {})
            for name in node.get("required", []):
                if name not in properties:
                    problems.append(f"{path}: required property {name!r} is not defined")
            for name, sub in properties.items():
                walk(sub, f"{path}.{name}")
        if "items" in node:
            walk(node["items"], f"{path}[]")
        for key in ("anyOf", "allOf"):
            for i, sub in enumerate(node.get(key, [])):
                walk(sub, f"{path}.{key}[{i}]")
        if "oneOf" in node:
            problems.append(f"{path}: 'oneOf' is not supported in strict mode (use anyOf)")

    walk(schema, "$")
    for name, sub in defs.items():
        walk(sub, f"$defs.{name}")
    return problems


# ---------------------------------------------------------------------- helpers


def _segments(body: dict[str, Any]) -> list[Any]:
    """The prompt in cache order: tools, then system blocks, then message content blocks."""
    segments: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    segments += [system] if isinstance(system, str) else list(system or [])
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        segments += [content] if isinstance(content, str) else list(content or [])
    return segments


def _answer_tool(body: dict[str, Any]) -> str:
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        return str(choice["name"])
    tools = body.get("tools") or []
    if not tools:
        raise ValueError("a workout answer needs a tool to call, and the request offers none")
    return str(tools[0]["name"])


def _check_scripted_tool(body: dict[str, Any], name: str, tool_input: dict[str, Any]) -> None:
    """A scripted tool answer must be one the real API could give for this request."""
    forced = _answer_tool(body)
    if forced != name:
        raise ValueError(f"scripted an answer of {name!r}, but the request forces {forced!r}")
    tool = next((t for t in body.get("tools") or [] if t.get("name") == name), None)
    if tool is None:
        raise ValueError(f"the request offers no tool {name!r}")
    if tool.get("strict"):
        problems = schema_mismatches(tool["input_schema"], tool_input)
        if problems:
            raise ValueError(f"scripted input does not match the strict schema: {problems[:3]}")


def schema_mismatches(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (the subset strict tools use: type, enum, const,
    properties, required, additionalProperties false, items, anyOf); [] when it matches."""
    if "anyOf" in schema:
        options = [schema_mismatches(option, value, path) for option in schema["anyOf"]]
        return [] if any(not o for o in options) else [f"{path}: matches no anyOf option"]
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        allowed = kinds if isinstance(kinds, list) else [kinds]
        checks = {
            "object": isinstance(value, dict),
            "array": isinstance(value, list),
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "null": value is None,
        }
        if not any(checks.get(k, False) for k in allowed):
            return [f"{path}: not of type {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in enum")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: not {schema['const']!r}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}.{key}: required")
        for key, item in value.items():
            if key in properties:
                problems += schema_mismatches(properties[key], item, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}.{key}: not allowed")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            problems += schema_mismatches(schema["items"], item, f"{path}[{i}]")
    return problems


def _request_data(body: dict[str, Any]) -> dict[str, Any]:
    """The request inside the prompt: the ``<request>`` JSON of the first user message."""
    from core.prompt import read_request_data

    content = body["messages"][0]["content"]
    text = content if isinstance(content, str) else "".join(b.get("text", "") for b in content)
    data = read_request_data(text)
    if data is None:
        raise ValueError("no <request> JSON in the first user message")
    return data


def _workout_for(data: dict[str, Any]) -> dict[str, Any]:
    """A valid answer for the request ``data`` (``_request_data``), from the rule-based
    generator."""
    from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
    from core.models import HistoryItem, Profile, WorkoutRequest
    from core.rulebased import generate_rule_based

    equipment = frozenset(Equipment(e) for e in data["equipment"])
    request = WorkoutRequest(
        coach=data["coach"],
        workout_type=WorkoutType(data["workout_type"]),
        duration_min=int(data["duration_min"]),
        equipment=equipment,
        profile=Profile(
            level=FitnessLevel(data["level"]),
            goals=tuple(Goal(g) for g in data["goals"]),
            units=Units(data["units"]),
            equipment=equipment,
        ),
        history=tuple(
            HistoryItem(
                date=item["date"],
                coach=item["coach"],
                workout_type=WorkoutType(item["type"]),
                duration_min=item["minutes"],
                exercises=tuple(item["exercises"]),
            )
            for item in data.get("recent", [])
        ),
    )
    return generate_rule_based(request, random.Random()).model_dump(mode="json")


def _request_id() -> dict[str, str]:
    return {"request-id": f"req_{uuid.uuid4().hex[:24]}"}


def _error(
    code: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    request_id = _request_id()
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": request_id["request-id"],
    }
    return web.json_response(body, status=code, headers={**request_id, **(headers or {})})


@pytest.fixture
def fake_anthropic() -> Iterator[FakeMessagesAPI]:
    """A started fake Messages API (key ``fake.api_key``, root ``fake.url``), stopped after."""
    with FakeMessagesAPI() as fake:
        yield fake
