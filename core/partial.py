"""A workout still being written: what of a partial answer is complete enough to show.

The AI's answer arrives as a stream of JSON fragments. The Claude client parses the
fragments so far with jiter's partial mode (jiter ships with the anthropic SDK, and reads
a cut string, number or literal as a parser of our own would have to: an unfinished string
dropped), so no parser of our own is needed: this module only decides which parts of that
dict are *finished*. An exercise is finished once the next one has begun, or once the
answer has gone past the exercises (a key after ``exercises``, as the schema orders them),
or once the answer is complete. Until then its last field may still be growing
("alternatives" with one of two entries, a cut instruction), so it is not shown.

Pure and cheap: called after every fragment, it validates only the finished exercises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from core.models import Exercise

__all__ = ["Draft", "draft_of"]


@dataclass(frozen=True, slots=True)
class Draft:
    """What can be shown of a workout being written."""

    title: str | None
    """The title, once written whole (None before)."""
    exercises: tuple[Exercise, ...]
    """The exercises written whole, in order; one that does not parse is left out."""
    writing_s: float = 0.0
    """How long the answer had been arriving when this much of it was finished (an answer
    that arrives at once is not worth showing piece by piece)."""


def _finished_text(data: Mapping[str, object], key: str) -> str | None:
    """``data[key]`` when a later key shows it is complete."""
    keys = list(data)
    if key not in keys or keys[-1] == key:
        return None
    value = data[key]
    return value if isinstance(value, str) else None


def draft_of(data: object, *, complete: bool = False) -> Draft:
    """The finished parts of ``data``, a partial tool input (``complete``: the whole answer)."""
    if not isinstance(data, Mapping):
        return Draft(None, ())
    title = data.get("title") if complete else _finished_text(data, "title")
    raw = data.get("exercises")
    items = list(raw) if isinstance(raw, list) else []
    keys = list(data)
    past = complete or ("exercises" in keys and keys[-1] != "exercises")
    finished = items if past else items[:-1]
    exercises: list[Exercise] = []
    for item in finished:
        try:
            exercises.append(Exercise.model_validate(item))
        except ValidationError:
            continue
    return Draft(title if isinstance(title, str) else None, tuple(exercises))
