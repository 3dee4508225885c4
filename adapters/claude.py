"""Claude through the anthropic SDK: one forced tool call whose input is the workout.

Structured output by a forced tool (``tool_choice`` names ``submit_workout``, a strict tool
whose input_schema is the Workout model made strict by ``anthropic.transform_schema``)
rather than ``messages.parse(output_format=...)``: the answer arrives as plain JSON that we
keep verbatim for the generation log and parse ourselves, so every failure gets the same
short ``InvalidAnswer`` reason whatever the SDK would have raised, and the call stays a plain
Messages API request that any compatible server (and the test fake) understands.

The SDK's own retries are few and quick (``max_retries``); a server asking for a longer wait
than ``MAX_RETRY_WAIT_S`` (``retry-after``, which the SDK would otherwise honour without a
cap while this worker holds an AI slot) ends the call instead: the request falls back to the
rule-based generator at once. Nothing here raises for API trouble: every call returns an
``AIResult`` whose attempt says what happened, in words that never contain the key.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any, cast

import anthropic
import httpx2
from anthropic.types import Message, TextBlockParam, ToolParam

from adapters.settings import Settings
from core.models import WorkoutRequest
from core.pipeline import AIAttempt, AIClient, AIResult, Outcome
from core.prompt import TOOL_NAME, build_prompt
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


def _no_long_waits(
    request: anthropic.APIRequest, call_next: anthropic.CallNext
) -> anthropic.APIResponse[Any]:
    """SDK middleware: a ``retry-after`` above the cap is not retried in this call."""
    response = call_next(request)
    wait = _retry_after(response.http_response.headers)
    if wait is not None and wait > MAX_RETRY_WAIT_S:
        response.http_response.headers["x-should-retry"] = "false"
    return response


class ClaudeClient:
    """An ``AIClient`` backed by the Messages API; safe to share between threads."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        timeout: float,
        max_retries: int,
        base_url: str | None = None,
        max_tokens: int = 8192,
    ) -> None:
        self._model = model
        self._max_tokens = max_tokens
        self._timeout = timeout
        self._secret = api_key
        # base_url None lets the SDK read ANTHROPIC_BASE_URL; timeout and retries are set on
        # purpose (the SDK's defaults are 600 s and 2 retries).
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            middleware=[_no_long_waits],
        )

    @property
    def model(self) -> str:
        return self._model

    def generate(self, request: WorkoutRequest) -> AIResult:
        """Ask once (plus the SDK's quick retries); never raises for API trouble."""
        prompt = build_prompt(request)
        start = time.monotonic()
        try:
            message = self._client.messages.create(
                model=self._model,
                max_tokens=self._max_tokens,
                system=cast("list[TextBlockParam]", prompt.system),
                tools=[cast(ToolParam, strict_tool(prompt.tool))],
                tool_choice={"type": "tool", "name": TOOL_NAME},
                messages=[{"role": "user", "content": prompt.user}],
            )
        except anthropic.APIStatusError as exc:
            return self._failed(start, _status_reason(exc), _body_text(exc))
        except anthropic.APITimeoutError:
            return self._failed(start, f"timed out after {self._timeout:g} s")
        except anthropic.APIConnectionError as exc:
            return self._failed(start, f"connection failed: {_cause(exc)}")
        except anthropic.APIError as exc:  # e.g. a 200 whose body is not a message
            return self._failed(start, f"unexpected response: {type(exc).__name__}")
        latency_ms = _ms_since(start)
        return self._read(message, latency_ms)

    def close(self) -> None:
        """Close the SDK's connection pool."""
        self._client.close()

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

    def _read(self, message: Message, latency_ms: int) -> AIResult:
        usage = message.usage
        tokens = {
            "input_tokens": usage.input_tokens or 0,
            "output_tokens": usage.output_tokens or 0,
            "cache_read_tokens": usage.cache_read_input_tokens or 0,
            "cache_write_tokens": usage.cache_creation_input_tokens or 0,
        }
        tool_input = next(
            (b.input for b in message.content if b.type == "tool_use" and b.name == TOOL_NAME),
            None,
        )
        text = "".join(b.text for b in message.content if b.type == "text")
        raw = json.dumps(tool_input, ensure_ascii=False) if tool_input is not None else text

        def invalid(reason: str) -> AIResult:
            attempt = self._attempt(
                latency_ms, "invalid", error=reason, response_text=raw, **tokens
            )
            return AIResult(None, attempt)

        if message.stop_reason == "max_tokens":
            return invalid("truncated at max_tokens")
        if message.stop_reason == "refusal":
            return invalid("the model refused")
        try:
            workout = parse_workout(tool_input if tool_input is not None else text)
        except InvalidAnswer as exc:
            reason = str(exc) if tool_input is not None else f"no tool call: {exc}"
            return invalid(reason)
        attempt = self._attempt(latency_ms, "ok", response_text=raw, **tokens)
        return AIResult(workout, attempt)


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
    )
