"""The nine coaches: who they are, what they favour, how they talk (core/data/coaches.yaml).

The voice text goes into the cached part of the AI prompt; ``intro``/``outro`` lines are
what the rule-based generator says in the coach's voice; ``writing`` is the placeholder
shown while a workout is being written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

import yaml

from core.domain import WorkoutType

__all__ = ["COACHES", "DEFAULT_COACH", "Coach", "coach_by_key", "coaches_from"]


@dataclass(frozen=True, slots=True)
class Coach:
    """One coaching persona."""

    key: str
    """Upper-case id stored everywhere ("MAX")."""
    emoji: str
    """One emoji shown beside the name on buttons and in headers."""
    tagline: str
    """A one-line description for the coach picker."""
    specialties: tuple[WorkoutType, ...]
    """Workout types the coach is known for, best first."""
    voice: str
    """How the coach talks: a paragraph for the AI prompt."""
    intros: tuple[str, ...]
    """Openers in the coach's voice; ``{minutes}`` and ``{type}`` are filled in."""
    outros: tuple[str, ...]
    """Sign-offs in the coach's voice."""

    @property
    def button(self) -> str:
        return f"{self.emoji} {self.key}"

    def intro(self, rng: random.Random, *, minutes: int, workout_type: WorkoutType) -> str:
        line = rng.choice(self.intros)
        return line.format(minutes=minutes, type=workout_type.label.lower())

    def outro(self, rng: random.Random) -> str:
        return rng.choice(self.outros)

    def writing(self, *, minutes: int, workout_type: WorkoutType) -> str:
        return f"{self.key} is writing your {minutes}-minute {workout_type.label.lower()} workout…"


def coaches_from(text: str) -> dict[str, Coach]:
    """The coaches of a YAML document (core/data/coaches.yaml), checked: upper-case unique
    keys, known workout types, a voice, and at least one intro and one outro each, whose
    placeholders are only ``{minutes}`` and ``{type}``."""
    found: dict[str, Coach] = {}
    for raw in yaml.safe_load(text):
        coach = Coach(
            key=str(raw["key"]),
            emoji=str(raw["emoji"]),
            tagline=str(raw["tagline"]),
            specialties=tuple(WorkoutType(t) for t in raw["specialties"]),
            voice=str(raw["voice"]),
            intros=tuple(str(line) for line in raw["intros"]),
            outros=tuple(str(line) for line in raw["outros"]),
        )
        if not coach.key.isupper() or coach.key in found:
            raise ValueError(f"coach keys are unique and upper-case: {coach.key!r}")
        if not (coach.voice and coach.intros and coach.outros and coach.specialties):
            raise ValueError(f"coach {coach.key} needs a voice, specialties, intros and outros")
        for line in coach.intros:
            line.format(minutes=0, type="")  # a KeyError names a placeholder we do not fill
        found[coach.key] = coach
    return found


COACHES: dict[str, Coach] = coaches_from(
    resources.files("core").joinpath("data/coaches.yaml").read_text(encoding="utf-8")
)
"""Every coach by key, in the coach picker's order."""

DEFAULT_COACH = COACHES["MAX"]


def coach_by_key(key: str) -> Coach:
    """The coach for ``key`` (any case); ``ValueError`` naming the valid coaches otherwise."""
    try:
        return COACHES[key.strip().upper()]
    except KeyError:
        raise ValueError(f"unknown coach {key!r}; valid: {', '.join(COACHES)}") from None
