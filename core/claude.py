"""Claude through the anthropic SDK: one forced tool call whose input is the workout.

Structured output by a forced tool (``tool_choice`` names ``submit_workout``, whose
input_schema is the Workout model made strict by ``anthropic.transform_schema``): the
answer arrives as parsed JSON, and stays a plain Messages API call that any compatible
server (and our fake) understands. The SDK's own retries are few and quick; longer waits
belong to Dramatiq, and a failure here means the rule-based fallback, not a wait.

Nothing here raises for API trouble: every call returns an ``AIResult`` whose attempt
says what happened, for the generation log.
"""

from __future__ import annotations

import json
import time

import anthropic

from core.models import WorkoutRequest
from core.pipeline import AIAttempt, AIClient, AIResult, Outcome
from core.prompt import TOOL_NAME, build_prompt
from core.settings import Settings
from core.validation import InvalidAnswer, parse_workout

__all__ = ["ClaudeClient", "make_ai_client"]

RESPONSE_TEXT_LIMIT = 4000


class ClaudeClient:
    """An ``AIClient`` backed by the Messages API."""

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
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    @property
    def model(self) -> str:
        return self._model

    def generate(self, request: WorkoutRequest) -> AIResult:
        """Ask once (with the SDK's quick retries); never raises for API trouble."""
        prompt = build_prompt(request)
        start = time.monotonic()

        def attempt(outcome: Outcome, error: str | None = None, **extra: object) -> AIAttempt:
            return AIAttempt(
                model=self._model,
                latency_ms=int((time.monotonic() - start) * 1000),
                outcome=outcome,
                error=error,
                **extra,  # type: ignore[arg-type]
            )

        try:
            message = self._client.messages.create(
                model=self._model,
                max_tokens=self._max_tokens,
                system=prompt.system,  # type: ignore[arg-type]
                tools=[prompt.tool],  # type: ignore[list-item]
                tool_choice={"type": "tool", "name": TOOL_NAME},
                messages=[{"role": "user", "content": prompt.user}],
            )
        except anthropic.APIStatusError as exc:
            reason = f"HTTP {exc.status_code} {_error_type(exc)}".strip()
            return AIResult(None, attempt("error", reason))
        except anthropic.APITimeoutError:
            return AIResult(None, attempt("error", "timed out"))
        except anthropic.APIConnectionError:
            return AIResult(None, attempt("error", "connection failed"))

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
        tokens["response_text"] = raw[:RESPONSE_TEXT_LIMIT]  # type: ignore[assignment]
        if message.stop_reason == "max_tokens":
            return AIResult(None, attempt("invalid", "truncated at max_tokens", **tokens))
        if tool_input is None:
            return AIResult(
                None, attempt("invalid", "no tool call: the answer was prose", **tokens)
            )
        try:
            workout = parse_workout(tool_input)  # type: ignore[arg-type]
        except InvalidAnswer as exc:
            return AIResult(None, attempt("invalid", str(exc), **tokens))
        return AIResult(workout, attempt("ok", None, **tokens))

    def close(self) -> None:
        self._client.close()


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    return str(error.get("type") or "")  # type: ignore[union-attr]


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
