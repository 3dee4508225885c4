"""From a request to a workout: ask the AI (when there is one), check, fall back.

    build_workout(request, ai, rng, progress)
      ├── ai is None            -> rule-based generator            (source "rule_based")
      ├── ai answers a workout  -> its names matched to the catalogue (core/grounding.py),
      │                            repaired where a coach would (core/repair.py), then
      │   that is valid            checked (core/validation.py) and scored (core/score.py):
      │                            the AI's workout, its loads held to the progression
      │                            targets (core/progression.py)  (source "ai")
      └── ai fails, or its      -> rule-based generator            (source "fallback")
          answer cannot be made valid

Every AI call leaves an ``AIAttempt`` in the result, good or bad, so the caller can log
it. ``progress``, when given, is told what of the AI's answer is finished while it is being
written (a ``core.partial.Draft``), so the chat can show it. Nothing here does I/O except
through the ``AIClient`` it is handed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, Protocol

from core.grounding import ground_workout
from core.models import Workout, WorkoutRequest
from core.partial import Draft
from core.progression import apply_targets
from core.repair import Repair, repair_workout
from core.rulebased import generate_rule_based
from core.score import score_workout
from core.validation import validate_workout

__all__ = [
    "AIAttempt",
    "AIClient",
    "AIResult",
    "Outcome",
    "PipelineResult",
    "Progress",
    "Source",
    "build_workout",
    "result_from_data",
    "result_to_data",
]

Source = Literal["ai", "rule_based", "fallback"]
Outcome = Literal["ok", "rejected", "invalid", "error"]
"""ok: used; rejected: parsed but broke the request's rules; invalid: not a workout at all
(prose, truncated, wrong shape); error: the call itself failed (HTTP error, timeout)."""


Progress = Callable[[Draft], None]
"""Told, while the AI writes, what of its answer is finished; never raises into the call."""


@dataclass(frozen=True, slots=True)
class AIAttempt:
    """One call to the AI, as it goes into the generation log."""

    model: str
    latency_ms: int
    outcome: Outcome
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    error: str | None = None
    """Why the attempt was not used, in plain words; never contains a secret."""
    response_text: str | None = None
    """The raw answer, truncated to a few kilobytes."""
    repairs: tuple[Repair, ...] = ()
    """What was changed to fit the answer to the request (core/repair.py)."""
    score: int | None = None
    """How close the used answer comes to the coach rules, 0-100 (core/score.py)."""
    misses: tuple[str, ...] = ()
    """What cost the score points."""
    renamed: tuple[str, ...] = ()
    """Exercises renamed to their catalogue entry ("DB bench press -> Dumbbell bench press")."""
    unmatched: tuple[str, ...] = ()
    """Exercises no catalogue entry matched: kept as the AI wrote them."""


@dataclass(frozen=True, slots=True)
class AIResult:
    """What an AI client returns: the parsed workout (or None) and the attempt's record."""

    workout: Workout | None
    attempt: AIAttempt


_FROM_THE_CALL = ("model", "latency_ms", "outcome", "error", "response_text")
_TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def result_to_data(result: AIResult) -> dict[str, Any]:
    """An AI call's result as plain JSON data (a queue message carries it from the call to
    the run that saves it, jobs/generate.py). Only what the call itself fills in: the rest
    of an ``AIAttempt`` is the pipeline's, afterwards."""
    attempt = asdict(result.attempt)
    return {
        "workout": None if result.workout is None else result.workout.model_dump(mode="json"),
        "attempt": {name: attempt[name] for name in _FROM_THE_CALL + _TOKENS},
    }


def result_from_data(data: dict[str, Any]) -> AIResult:
    """``result_to_data`` undone."""
    known = {f.name for f in fields(AIAttempt)}
    attempt = AIAttempt(**{k: v for k, v in data["attempt"].items() if k in known})
    workout = data.get("workout")
    return AIResult(None if workout is None else Workout.model_validate(workout), attempt)


class AIClient(Protocol):
    """Anything that can be asked for a workout. Implementations never raise for API
    failures: they return ``AIResult(None, attempt)`` with ``outcome="error"``."""

    @property
    def model(self) -> str: ...

    def generate(self, request: WorkoutRequest, progress: Progress | None = None) -> AIResult:
        """Ask for a workout; a streaming client tells ``progress`` what it has so far."""
        ...


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """The workout to save and how it came to be."""

    workout: Workout
    source: Source
    model: str | None
    attempts: tuple[AIAttempt, ...]


def build_workout(
    request: WorkoutRequest,
    ai: AIClient | None,
    rng: random.Random | None = None,
    progress: Progress | None = None,
) -> PipelineResult:
    """Build the workout for ``request``; always returns a workout."""
    rng = rng or random.Random()
    if ai is None:
        return PipelineResult(generate_rule_based(request, rng), "rule_based", None, ())

    result = ai.generate(request) if progress is None else ai.generate(request, progress)
    attempt = result.attempt
    if result.workout is not None:
        grounded = ground_workout(result.workout, request)
        repaired = repair_workout(grounded.workout, request)
        attempt = replace(
            attempt,
            repairs=repaired.repairs,
            renamed=grounded.renamed,
            unmatched=grounded.unmatched,
        )
        problems = validate_workout(repaired.workout, request)
        if not problems:
            score = score_workout(repaired.workout, request)
            attempt = replace(attempt, score=score.points, misses=score.misses)
            workout = apply_targets(repaired.workout, request.progression, request.profile.units)
            return PipelineResult(workout, "ai", ai.model, (attempt,))
        attempt = replace(attempt, outcome="rejected", error="; ".join(problems)[:2000])
    return PipelineResult(generate_rule_based(request, rng), "fallback", ai.model, (attempt,))
