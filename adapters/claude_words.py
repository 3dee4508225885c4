"""Claude reading typed words (core.words): a fast model, a forced strict tool, a short
timeout and no SDK retries, because a person is waiting in the chat and the rules can
answer at once instead. Every failure (HTTP error, timeout, no tool call, an answer that
does not hold) is None: the caller falls back to the rule-based reading.

Separate from adapters/claude.py (the workout call) on purpose: other settings (model,
timeout, retries), other tools, and nothing shared but ``strict_tool``.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any, cast

import anthropic
from anthropic.types import Message, ToolParam

from adapters.claude import strict_tool
from adapters.settings import Settings
from core.catalogue import load_catalogue
from core.coaches import Coach
from core.intent import Intent
from core.questions import Facts
from core.words import (
    WordsAI,
    WordsPrompt,
    answer_prompt,
    checked_answer,
    intent_from_tool,
    request_prompt,
)

__all__ = ["ClaudeWords", "make_words_ai"]

log = logging.getLogger(__name__)

_MAX_TOKENS = 600


@cache
def _catalogue_names() -> tuple[str, ...]:
    return tuple(e.name for e in load_catalogue().entries)


class ClaudeWords:
    """A ``core.words.WordsAI`` on the Messages API; safe to share between threads."""

    def __init__(
        self, *, api_key: str, model: str, timeout: float, base_url: str | None = None
    ) -> None:
        self._model = model
        self._secret = api_key
        # No SDK retries: a retry doubles the wait of someone watching the chat, and the
        # rules answer at once.
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def read_request(self, text: str) -> Intent | None:
        """The request ``text`` states, as Claude reads it; None when that fails."""
        data = self._call(request_prompt(text))
        return intent_from_tool(data) if data is not None else None

    def answer_question(self, facts: Facts, coach: Coach) -> str | None:
        """Claude's answer from ``facts`` in ``coach``'s voice; None when it fails or does
        not hold (core.words.checked_answer)."""
        data = self._call(answer_prompt(facts, coach))
        if data is None:
            return None
        answer = checked_answer(data, facts, _catalogue_names())
        if answer is None:
            log.info("AI answer refused: %s", self._scrub(json.dumps(data)[:300]))
        return answer

    def close(self) -> None:
        """Close the SDK's connection pool."""
        self._client.close()

    def _call(self, prompt: WordsPrompt) -> dict[str, Any] | None:
        try:
            message: Message = self._client.messages.create(
                model=self._model,
                max_tokens=_MAX_TOKENS,
                system=prompt.system,
                tools=[cast(ToolParam, strict_tool(prompt.tool))],
                tool_choice={"type": "tool", "name": prompt.tool_name},
                messages=[{"role": "user", "content": prompt.user}],
            )
        except anthropic.APIError as exc:
            log.info("AI reading of typed words failed: %s", self._scrub(type(exc).__name__))
            return None
        if message.stop_reason not in ("tool_use", "end_turn"):
            return None
        for block in message.content:
            if block.type == "tool_use" and block.name == prompt.tool_name:
                return block.input if isinstance(block.input, dict) else None
        return None

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "[key]") if self._secret else text


def make_words_ai(settings: Settings) -> WordsAI | None:
    """Claude for typed words when ANTHROPIC_API_KEY is set; None (the rules) otherwise."""
    if settings.anthropic_api_key is None:
        return None
    return ClaudeWords(
        api_key=settings.anthropic_api_key.get_secret_value(),
        model=settings.anthropic_fast_model,
        timeout=settings.anthropic_words_timeout,
    )
