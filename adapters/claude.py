"""Claude through the anthropic SDK: one forced tool call whose input is the workout.

Structured output by a forced tool (``tool_choice`` names ``submit_workout``, a strict tool
whose input_schema is the Workout model made strict by ``anthropic.transform_schema``)
rather than ``messages.parse(output_format=...)``: the answer arrives as plain JSON that we
keep verbatim for the generation log and parse ourselves, so every failure gets the same
short ``InvalidAnswer`` reason whatever the SDK would have raised, and the call stays a plain
Messages API request that any compatible server (and the test fake) understands. The call
is streamed (the SDK's raw events, the tool with ``eager_input_streaming``): the partial
input is parsed as it grows and ``progress`` hears each exercise once it is finished
(core/partial.py).

The SDK's own retries are few and quick (``max_retries``); a server asking for a longer wait
than ``MAX_RETRY_WAIT_S`` (``retry-after``, which the SDK would otherwise honour without a
cap while this worker holds an AI slot) ends the call instead: the request falls back to the
rule-based generator at once. Nothing here raises for API trouble: every call returns an
``AIResult`` whose attempt says what happened, in words that never contain the key.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any, cast

import anthropic
import httpx2
import jiter
from anthropic.types import TextBlockParam, ToolParam

from adapters.loopthread import LoopThread
from adapters.settings import Settings
from core.models import WorkoutRequest
from core.partial import Draft, draft_of
from core.pipeline import AIAttempt, AIClient, AIResult, Outcome, Progress
from core.prompt import build_prompt
from core.validation import InvalidAnswer, parse_workout

__all__ = [
    "MAX_RETRY_WAIT_S",
    "RESPONSE_TEXT_LIMIT",
    "ClaudeClient",
    "make_ai_client",
    "strict_tool",
]

RESPONSE_TEXT_LIMIT = 4000
"""Characters of the raw answer kept in the attempt."""
MAX_RETRY_WAIT_S = 10.0
"""The longest ``retry-after`` the SDK may sleep through inside one call."""
_MESSAGE_LIMIT = 200
log = logging.getLogger(__name__)


def _read_timeout(response: httpx2.Response, seconds: float) -> None:
    """From now on, a read of ``response`` waits at most ``seconds``.

    httpx has one read timeout for the headers and for every chunk after; we want the
    first-byte limit for the first and the stall limit for the rest. The transport reads
    the request's ``timeout`` extension when the body is first read, which has not happened
    yet when the stream is handed to us, so changing it here applies to the whole body.
    """
    timeouts = response.request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        timeouts["read"] = seconds


_STRUCTURE = re.compile(r"[{}\[\]]")
"""A fragment that opens or closes an object or a list: worth parsing the input again."""


def _partial(text: str) -> object:
    """The partial tool input so far (jiter's partial mode); None while it does not parse
    (with fine-grained streaming a fragment may be invalid JSON until the answer is done)."""
    try:
        return jiter.from_json(text.encode(), partial_mode=True)
    except ValueError:
        return None


class _Answer:
    """What a stream said, gathered event by event (mutable while it streams)."""

    def __init__(self) -> None:
        self.tool = False
        """The forced tool was called."""
        self.tool_json = ""
        self.text: list[str] = []
        self.stop_reason: str | None = None
        self.tokens = {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
        }

    def usage(self, usage: Any) -> None:
        """Take the counts of a ``message_start`` or ``message_delta`` (cumulative totals:
        a later count replaces an earlier one; a missing one leaves it)."""
        for name, field in (
            ("input_tokens", "input_tokens"),
            ("output_tokens", "output_tokens"),
            ("cache_read_tokens", "cache_read_input_tokens"),
            ("cache_write_tokens", "cache_creation_input_tokens"),
        ):
            value = getattr(usage, field, None)
            if value is not None:
                self.tokens[name] = int(value)


class _Shown:
    """Tells ``progress`` about the finished part of a partial answer, once per change.

    Called after every fragment, it looks again only when the answer gained a top-level key
    or an exercise (cheap), and tells only when a title or an exercise was finished.
    ``progress`` raising must not end the call: it is logged and ignored.
    """

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._shape: tuple[int, int] = (0, 0)
        self._last = Draft(None, ())
        self._began: float | None = None
        """When the partial input was first seen: the answer's start."""

    def update(self, partial: object) -> None:
        now = time.monotonic()
        if self._began is None:
            self._began = now
        if self._progress is None or not isinstance(partial, dict):
            return
        items = partial.get("exercises")
        shape = (len(partial), len(items) if isinstance(items, list) else 0)
        if shape == self._shape:
            return
        self._shape = shape
        self._tell(replace(draft_of(partial), writing_s=now - self._began))

    def _tell(self, draft: Draft) -> None:
        if self._progress is None:
            return
        if (draft.title, draft.exercises) == (self._last.title, self._last.exercises):
            return
        self._last = draft
        try:
            self._progress(draft)
        except Exception:  # showing progress is best effort; the answer matters
            log.warning("showing the AI's progress failed", exc_info=True)


@lru_cache(maxsize=4)
def _strict_schema(schema_json: str) -> str:
    return json.dumps(anthropic.transform_schema(json.loads(schema_json)))


def strict_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """``tool`` with its input schema made acceptable to strict tool use by the SDK's
    ``transform_schema``: additionalProperties false everywhere, and unsupported keywords
    (minItems 2 on alternatives) moved into descriptions, which our validator enforces
    anyway. A fresh copy each time (the transform itself is done once per schema)."""
    schema = json.dumps(tool["input_schema"], sort_keys=True)
    return {**tool, "input_schema": json.loads(_strict_schema(schema))}


def _retry_after(headers: httpx2.Headers) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


async def _no_long_waits(
    request: anthropic.APIRequest, call_next: anthropic.AsyncCallNext
) -> anthropic.AsyncAPIResponse[Any]:
    """SDK middleware: a ``retry-after`` above the cap is not retried in this call."""
    response = await call_next(request)
    wait = _retry_after(response.http_response.headers)
    if wait is not None and wait > MAX_RETRY_WAIT_S:
        response.http_response.headers["x-should-retry"] = "false"
    return response


class _Silent(Exception):
    """The stream stopped short of an answer within our limits; the message says how."""


async def _no_slow_retries(
    request: anthropic.APIRequest, call_next: anthropic.AsyncCallNext
) -> anthropic.AsyncAPIResponse[Any]:
    """SDK middleware: a timeout (no first byte in time) ends the call, it is not retried.

    The SDK would retry it ``max_retries`` times, each as long again: a silent API would
    cost minutes instead of the first-byte limit. Raising a type outside the SDK's retry
    policy (and not chained to the timeout) is how middleware opts out of a retry.
    """
    try:
        return await call_next(request)
    except anthropic.APITimeoutError:
        raise _NoFirstByte from None


class _NoFirstByte(_Silent):
    """The API said nothing within the first-byte limit."""


class ClaudeClient:
    """An ``AIClient`` backed by the Messages API, streamed; safe to share between threads.

    The calls run on asyncio (``anthropic.AsyncAnthropic`` on one background loop of this
    client's, adapters/loopthread.py): a call in flight is a coroutine and a socket, so one
    worker process holds hundreds of them (the ceiling benchmark), not one per blocked
    HTTP client. ``submit`` starts a call and returns its future: the worker's parked
    calls (adapters/aislots.py), which no thread waits for. ``generate`` is for synchronous
    callers that wait: it waits for the call on the loop and runs ``progress`` itself, on
    the calling thread, so a frame's database and Bot API work never blocks the loop that
    reads every other stream. ``agenerate`` is the call itself, for asynchronous callers.

    Limits of one call: no first byte within ``first_byte_s`` (the SDK does not retry it),
    a stream silent for ``stall_s``, or a whole answer taking longer than ``timeout`` end
    it at once, and the request falls back to the rule-based generator. The SDK raises a
    stall from the stream's iterator as ``httpx2.ReadTimeout`` (not ``APITimeoutError``),
    and a dropped connection as an ``httpx2.TransportError``: both are caught here.
    """

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        timeout: float,
        max_retries: int,
        base_url: str | None = None,
        max_tokens: int = 8192,
        stall_s: float = 15.0,
        first_byte_s: float = 10.0,
    ) -> None:
        self._model = model
        self._max_tokens = max_tokens
        self._timeout = timeout
        self._stall_s = stall_s
        self._first_byte_s = min(first_byte_s, timeout)
        self._secret = api_key
        # base_url None lets the SDK read ANTHROPIC_BASE_URL; timeout and retries are set on
        # purpose (the SDK's defaults are 600 s and 2 retries). The read timeout is the
        # first-byte limit until the answer starts; then the stall limit (see _stream). The
        # SDK's pool allows 1,000 connections: more than FLEXFLOW_AI_CONCURRENCY's cap.
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0), read=self._first_byte_s),
            max_retries=max_retries,
            middleware=[_no_long_waits, _no_slow_retries],
        )
        self._loop = LoopThread("claude")
        self._tools: dict[str, dict[str, Any]] = {}
        """The strict tools sent, by name (``_prompt``)."""

    @property
    def model(self) -> str:
        return self._model

    def _longest_s(self) -> float:
        """The longest one call can take, retries included: beyond it, waiting is a bug."""
        return (self._timeout + MAX_RETRY_WAIT_S) * (self._client.max_retries + 1) + 5.0

    def generate(self, request: WorkoutRequest, progress: Progress | None = None) -> AIResult:
        """``agenerate`` on the client's loop, waited for on this thread; ``progress`` is
        told here, on this thread, the newest of what the call has written so far."""
        if progress is None:
            return self._loop.run(self.agenerate(request), timeout=self._longest_s())
        newest = _Newest()
        future = self._loop.submit(self.agenerate(request, newest.put))
        future.add_done_callback(lambda _: newest.close())
        try:
            newest.tell(progress, deadline=time.monotonic() + self._longest_s())
            return future.result(timeout=0)
        except BaseException:
            future.cancel()  # interrupted (a worker's shutdown) or overdue: end the call
            raise

    def submit(
        self, request: WorkoutRequest, progress: Progress | None = None
    ) -> concurrent.futures.Future[AIResult]:
        """``agenerate`` started on the client's loop, not waited for: no thread waits while
        the call is in flight (jobs' parked generations, adapters/aislots.py). ``progress``
        is told on the loop and must not block; the future never holds an API error (see
        ``agenerate``), and is cancelled past the longest a call can take."""
        return self._loop.submit(
            asyncio.wait_for(self.agenerate(request, progress), timeout=self._longest_s())
        )

    async def agenerate(
        self, request: WorkoutRequest, progress: Progress | None = None
    ) -> AIResult:
        """Ask once (plus the SDK's quick retries), streamed; never raises for API trouble.

        ``progress`` hears the finished part of the workout each time it grows (on the
        loop: it must not block).
        """
        system, user, tool = self._prompt(request)
        start = time.monotonic()
        written: list[str] = []
        shown = _Shown(progress)
        try:
            answer = await self._stream(
                system=system,
                tool=tool,
                user=user,
                written=written,
                on_input=shown.update,
                start=start,
            )
        except anthropic.APIStatusError as exc:
            if written:  # an error event mid-stream (overloaded_error): the status is 200
                reason = f"{_event_reason(exc)} mid-answer"
                return self._failed(start, reason, "".join(written))
            return self._failed(start, _status_reason(exc), _body_text(exc))
        except _NoFirstByte:
            return self._failed(start, f"no first byte within {self._first_byte_s:g} s")
        except _Silent as exc:
            return self._failed(start, str(exc), "".join(written) or None)
        except anthropic.APITimeoutError:
            return self._failed(start, f"timed out after {self._timeout:g} s")
        except anthropic.APIConnectionError as exc:
            return self._failed(start, f"connection failed: {_cause(exc)}")
        except anthropic.APIError as exc:  # e.g. a 200 whose body is not a message
            return self._failed(start, f"unexpected response: {type(exc).__name__}")
        return self._read(answer, _ms_since(start))

    def _prompt(self, request: WorkoutRequest) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
        """The system blocks, the user text and the tool to send for ``request``.

        The workout tool is static (core/prompt.py), so it is made strict once per client and
        the same dict is sent by every call (the SDK copies what it sends and changes
        nothing): with hundreds of calls in flight, a strict copy each would hold ~9 KB per
        call (the ceiling benchmark's worker memory). The prompt's own copy is dropped here.
        """
        prompt = build_prompt(request)
        name = str(prompt.tool["name"])
        tool = self._tools.get(name)
        if tool is None:
            tool = {**strict_tool(prompt.tool), "eager_input_streaming": True}
            self._tools[name] = tool
        return prompt.system, prompt.user, tool

    async def _stream(
        self,
        *,
        system: list[dict[str, Any]],
        tool: dict[str, Any],
        user: str,
        written: list[str],
        on_input: Callable[[object], None],
        start: float,
    ) -> _Answer:
        """One streamed forced-tool call: what it answered. ``written`` collects the raw
        fragments (for the log when the call fails); ``on_input`` hears the partial input.
        Raises the SDK's errors (an HTTP status, a call that could not start), and ``_Silent``
        for a read that failed mid-answer or a limit of ours.

        The SDK's raw events (``create(stream=True)``) rather than its ``messages.stream``
        helper: the helper re-parses the whole partial input with jiter and rebuilds its
        snapshot after every fragment, which cost 2-3 times the raw stream for an answer
        that arrives at once (the overhead benchmark). Here the partial input is parsed
        (jiter's partial mode, which the SDK ships) only when a fragment opens or closes an
        object or a list: all an exercise's being finished can depend on.

        Kept apart from the workout (any forced strict tool streams through it), so a second
        tool call can share the client.
        """
        answer = _Answer()
        parts: list[str] = []
        stream = await self._client.messages.create(
            model=self._model,
            max_tokens=self._max_tokens,
            system=cast("list[TextBlockParam]", system),
            tools=[cast(ToolParam, tool)],
            tool_choice={"type": "tool", "name": str(tool["name"])},
            messages=[{"role": "user", "content": user}],
            stream=True,
        )
        async with stream:
            _read_timeout(stream.response, self._stall_s)
            try:
                async for event in stream:
                    if time.monotonic() - start > self._timeout:
                        raise _Silent(f"the answer took longer than {self._timeout:g} s")
                    if event.type == "content_block_delta":
                        delta = event.delta
                        if delta.type == "input_json_delta":
                            written.append(delta.partial_json)
                            parts.append(delta.partial_json)
                            if _STRUCTURE.search(delta.partial_json):
                                on_input(_partial("".join(parts)))
                        elif delta.type == "text_delta":
                            written.append(delta.text)
                            answer.text.append(delta.text)
                    elif event.type == "content_block_start":
                        block = event.content_block
                        if block.type == "tool_use" and block.name == tool["name"]:
                            answer.tool = True
                    elif event.type == "message_start":
                        answer.usage(event.message.usage)
                    elif event.type == "message_delta":
                        answer.stop_reason = event.delta.stop_reason
                        answer.usage(event.usage)
            # A read that fails mid-answer: httpx2's own error, or (anthropic >= 2.17) the
            # SDK's APITimeoutError / APIConnectionError wrapping it.
            except (httpx2.TimeoutException, anthropic.APITimeoutError) as exc:
                raise _Silent(f"the answer stalled: silent for {self._stall_s:g} s") from exc
            except (httpx2.TransportError, anthropic.APIConnectionError) as exc:
                cause = exc.__cause__ if isinstance(exc, anthropic.APIConnectionError) else exc
                name = type(cause or exc).__name__
                raise _Silent(f"connection dropped mid-answer: {name}") from exc
        answer.tool_json = "".join(parts)
        return answer

    def close(self) -> None:
        """Close the SDK's connection pool and stop the loop."""
        try:
            self._loop.run(self._client.close(), timeout=5.0)
        finally:
            self._loop.close()

    # ------------------------------------------------------------------ helpers

    def _scrub(self, text: str | None) -> str | None:
        """``text`` without the API key, cut to the log's size."""
        if text is None:
            return None
        if self._secret:
            text = text.replace(self._secret, "[key]")
        return text[:RESPONSE_TEXT_LIMIT]

    def _attempt(self, latency_ms: int, outcome: Outcome, **fields: Any) -> AIAttempt:
        fields["error"] = self._scrub(fields.get("error"))
        fields["response_text"] = self._scrub(fields.get("response_text"))
        return AIAttempt(model=self._model, latency_ms=latency_ms, outcome=outcome, **fields)

    def _failed(self, start: float, reason: str, body: str | None = None) -> AIResult:
        attempt = self._attempt(_ms_since(start), "error", error=reason, response_text=body)
        return AIResult(None, attempt)

    def _read(self, answer: _Answer, latency_ms: int) -> AIResult:
        tokens = answer.tokens
        text = "".join(answer.text)
        raw = answer.tool_json if answer.tool else text

        def invalid(reason: str) -> AIResult:
            attempt = self._attempt(
                latency_ms, "invalid", error=reason, response_text=raw, **tokens
            )
            return AIResult(None, attempt)

        if answer.stop_reason == "max_tokens":
            return invalid("truncated at max_tokens")
        if answer.stop_reason == "refusal":
            return invalid("the model refused")
        tool_input: object = None
        if answer.tool:
            try:
                tool_input = json.loads(answer.tool_json or "{}")
            except ValueError:
                return invalid("the tool input does not parse as JSON")
            if not isinstance(tool_input, dict):
                return invalid("the tool input is not an object")
        try:
            workout = parse_workout(tool_input if isinstance(tool_input, dict) else text)
        except InvalidAnswer as exc:
            reason = str(exc) if answer.tool else f"no tool call: {exc}"
            return invalid(reason)
        attempt = self._attempt(latency_ms, "ok", response_text=raw, **tokens)
        return AIResult(workout, attempt)


class _Newest:
    """The newest draft of a call on the loop, for the thread waiting for that call.

    The loop ``put``s each draft (it never waits); the thread ``tell``s progress the newest
    one whenever there is one it has not told. Only the newest is kept: each draft holds all
    the earlier ones' exercises, a frame shown late is worth less than the next, and with
    hundreds of calls in flight a queue of drafts behind a slow frame would hold memory for
    nothing. Written here because the standard queues keep every item.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._draft: Draft | None = None
        self._closed = False

    def put(self, draft: Draft) -> None:
        with self._changed:
            self._draft = draft
            self._changed.notify()

    def close(self) -> None:
        """The call is over: the workout itself follows, not a frame."""
        with self._changed:
            self._closed = True
            self._changed.notify()

    def tell(self, progress: Progress, *, deadline: float) -> None:
        """Tell ``progress`` each newest draft until ``close``. Waits in steps of a second,
        so that Dramatiq can interrupt the thread (a shutdown), and never past ``deadline``."""
        while True:
            with self._changed:
                while self._draft is None and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise concurrent.futures.TimeoutError("the AI call outlived its limits")
                    self._changed.wait(min(1.0, left))
                if self._closed:
                    return
                draft, self._draft = self._draft, None
            if draft is None:
                continue
            try:
                progress(draft)
            except Exception:  # showing progress is best effort; the answer matters
                log.warning("showing the AI's progress failed", exc_info=True)


def _ms_since(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def _status_reason(exc: anthropic.APIStatusError) -> str:
    """'HTTP 529 overloaded_error: Overloaded' from the status and the error body."""
    reason = f"HTTP {exc.status_code}"
    kind = getattr(exc, "type", None) or _error_field(exc, "type")
    if kind:
        reason += f" {kind}"
    message = getattr(exc, "api_message", None) or _error_field(exc, "message")
    if message:
        reason += f": {str(message)[:_MESSAGE_LIMIT]}"
    wait = _retry_after(exc.response.headers)
    if wait is not None:
        reason += f" (retry after {wait:g} s)"
    return reason


def _event_reason(exc: anthropic.APIStatusError) -> str:
    """'overloaded_error: Overloaded' from an ``error`` event of a stream."""
    kind = _error_field(exc, "type") or "error"
    message = _error_field(exc, "message")
    return f"{kind}: {message[:_MESSAGE_LIMIT]}" if message else kind


def _error_field(exc: anthropic.APIStatusError, name: str) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    value = error.get(name) if isinstance(error, dict) else None
    return str(value) if value else None


def _body_text(exc: anthropic.APIStatusError) -> str | None:
    try:
        return exc.response.text or None
    except httpx2.ResponseNotRead:
        return None


def _cause(exc: anthropic.APIConnectionError) -> str:
    """The low-level reason (reset, refused), never the request (which holds the key)."""
    cause = exc.__cause__
    return type(cause).__name__ if cause is not None else "no response"


def make_ai_client(settings: Settings) -> AIClient | None:
    """Claude when ANTHROPIC_API_KEY is set; None (the rule-based generator) otherwise."""
    if settings.anthropic_api_key is None:
        return None
    return ClaudeClient(
        api_key=settings.anthropic_api_key.get_secret_value(),
        model=settings.anthropic_model,
        timeout=settings.anthropic_timeout,
        max_retries=settings.anthropic_max_retries,
        stall_s=settings.anthropic_stall_s,
        first_byte_s=settings.anthropic_first_byte_s,
    )
