"""Is the AI's answer a workout, and is it the workout that was asked for?

``parse_workout`` turns a raw answer (a tool's input or text) into a ``Workout`` or raises
``InvalidAnswer`` with a short reason. ``validate_workout`` checks a parsed workout against
the request and returns its problems, one plain sentence each (empty: acceptable).
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from core.domain import Units, with_bodyweight
from core.models import Block, Workout, WorkoutRequest, set_seconds

__all__ = [
    "TIME_TOLERANCE",
    "InvalidAnswer",
    "exercise_count_bounds",
    "parse_workout",
    "validate_workout",
]

TIME_TOLERANCE = 0.20
"""An AI workout may run this far (as a share) from the requested duration."""
MAX_WEIGHT = {Units.KG: 500.0, Units.LB: 1100.0}
_LITERALS = ("true", "false", "null")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


class InvalidAnswer(ValueError):
    """The answer is not a workout at all (prose, truncated, wrong shape)."""


def _summarize(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "answer"
        parts.append(f"{where}: {error['msg']}")
    more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return "; ".join(parts) + more


def _decode(raw: str) -> dict[str, object]:
    """The one JSON object in a text answer, around markdown fences or leading prose."""
    text = raw.strip()
    if fenced := _FENCE.search(text):
        text = fenced.group(1).strip()
    start = text.find("{")
    if start < 0:
        raise InvalidAnswer("the answer holds no JSON object (prose)")
    try:
        data, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        rest = text[exc.pos :].strip().strip("`").strip()
        # Cut inside a literal ("weighted": t) is cut off too, not malformed.
        cut_literal = bool(rest) and any(word.startswith(rest) for word in _LITERALS)
        if not rest or cut_literal or exc.msg.startswith("Unterminated string"):
            raise InvalidAnswer("the JSON object is cut off (truncated answer)") from None
        raise InvalidAnswer(f"the JSON does not parse: {exc.msg} at {exc.pos}") from None
    if not isinstance(data, dict):
        raise InvalidAnswer("the JSON is not an object")
    return data


def parse_workout(raw: str | dict[str, object]) -> Workout:
    """A workout from a tool input (dict) or a text answer holding one JSON object."""
    data = _decode(raw) if isinstance(raw, str) else raw
    try:
        return Workout.model_validate(data)
    except ValidationError as exc:
        raise InvalidAnswer(f"not a workout: {_summarize(exc)}") from None


def exercise_count_bounds(duration_min: int) -> tuple[int, int]:
    """How many exercises a workout of this length may have: (fewest, most)."""
    return max(1, duration_min // 15), max(4, duration_min // 2)


def _check_text(problems: list[str], what: str, text: str | None, low: int, high: int) -> None:
    size = len(text or "")
    if not low <= size <= high:
        problems.append(f"{what} must be {low}-{high} characters, not {size}")


def _check_block(problems: list[str], what: str, block: Block | None) -> None:
    if block is None:
        return
    if not 1 <= block.minutes <= 20:
        problems.append(f"the {what} lasts {block.minutes} min (1-20 allowed)")
    if not 1 <= len(block.items) <= 12:
        problems.append(f"the {what} has {len(block.items)} items (1-12 allowed)")
    for item in block.items:
        _check_text(problems, f"a {what} item", item, 1, 120)


def validate_workout(workout: Workout, request: WorkoutRequest) -> list[str]:
    """Every way ``workout`` breaks the rules for ``request``; empty when it is fine."""
    problems: list[str] = []
    have = with_bodyweight(request.equipment)
    units = request.profile.units

    _check_text(problems, "the title", workout.title, 1, 120)
    _check_text(problems, "the intro", workout.intro, 1, 800)
    _check_text(problems, "the sign-off", workout.outro, 0, 300)
    _check_block(problems, "warm-up", workout.warmup)
    _check_block(problems, "cool-down", workout.cooldown)

    low, high = exercise_count_bounds(request.duration_min)
    if not low <= len(workout.exercises) <= high:
        problems.append(
            f"{len(workout.exercises)} exercises for {request.duration_min} min "
            f"({low}-{high} expected)"
        )
    seen: set[str] = set()
    for ex in workout.exercises:
        name = ex.name.strip()
        _check_text(problems, "an exercise name", name, 1, 80)
        if name.lower() in seen:
            problems.append(f"exercise '{name}' appears twice")
        seen.add(name.lower())
        if not ex.equipment:
            problems.append(f"exercise '{name}' lists no equipment")
        missing = sorted(e.value for e in set(ex.equipment) - have)
        if missing:
            problems.append(
                f"exercise '{name}' needs {', '.join(missing)}, which the user does not have"
            )
        if not 1 <= ex.sets <= 10:
            problems.append(f"exercise '{name}' has {ex.sets} sets (1-10 allowed)")
        if not 0 <= ex.rest_seconds <= 300:
            problems.append(f"exercise '{name}' rests {ex.rest_seconds} s (0-300 allowed)")
        if not ex.reps.strip() or len(ex.reps) > 40:
            problems.append(f"exercise '{name}' has unreadable reps {ex.reps[:40]!r}")
        elif not 5 <= set_seconds(ex.reps) <= 600:
            problems.append(f"exercise '{name}' has implausible reps {ex.reps!r}")
        _check_text(problems, f"the instructions of '{name}'", ex.instructions, 1, 600)
        alternatives = [a.strip() for a in ex.alternatives]
        if len(alternatives) < 2 or any(a.lower() == name.lower() for a in alternatives):
            problems.append(f"exercise '{name}' needs two alternatives other than itself")
        for alt in alternatives:
            _check_text(problems, f"an alternative of '{name}'", alt, 1, 80)
        if ex.weighted:
            if ex.target_weight is None or not 0 < ex.target_weight <= MAX_WEIGHT[units]:
                problems.append(f"exercise '{name}' is weighted but has no sane target weight")
            if ex.weight_unit is not units:
                problems.append(
                    f"exercise '{name}' gives its weight in {ex.weight_unit or 'no unit'}, "
                    f"the user uses {units.value}"
                )
        elif ex.target_weight is not None:
            problems.append(f"exercise '{name}' is not weighted but has a target weight")

    avoid = {name.strip().lower() for name in request.avoid}
    repeated = [ex.name for ex in workout.exercises if ex.name.strip().lower() in avoid]
    if avoid and len(repeated) * 2 > len(workout.exercises):
        problems.append(
            f"{len(repeated)} of {len(workout.exercises)} exercises repeat the workout the "
            "person asked to replace"
        )

    minutes = workout.estimated_minutes
    if abs(minutes - request.duration_min) > TIME_TOLERANCE * request.duration_min:
        problems.append(f"estimated {minutes:.0f} min, requested {request.duration_min} min")
    return problems
