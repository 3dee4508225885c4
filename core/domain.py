"""The vocabulary of FlexFlow: workout types, levels, goals, equipment, units, request states.

Every enum's value is the stable lower-case string stored in the database and used in
callback data; ``label`` is what a person reads. ``parse`` accepts what people type
("pull-up bar", "Pull_Up_Bar", "none") and raises ``ValueError`` listing the valid values.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Self

__all__ = [
    "ACTIVE_STATES",
    "TOGGLED_EQUIPMENT",
    "Equipment",
    "FitnessLevel",
    "Focus",
    "Goal",
    "RequestState",
    "Units",
    "WorkoutType",
    "toggled_values",
    "with_bodyweight",
]


def _norm(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


class _Vocabulary(StrEnum):
    """A StrEnum with a human label and a forgiving parser."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {}

    @classmethod
    def parse(cls, text: str) -> Self:
        key = _norm(text)
        key = cls.aliases().get(key, key)
        for member in cls:
            if key in (member.value, _norm(member.name), _norm(member.label)):
                return member
        valid = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown {cls.__name__.lower()} {text!r}; valid: {valid}")


class Focus(StrEnum):
    """What one session of a split trains (core/schedule.py's splits)."""

    FULL_BODY = "full_body"
    UPPER = "upper"
    LOWER = "lower"
    PUSH = "push"
    PULL = "pull"
    LEGS = "legs"

    @property
    def label(self) -> str:
        return {
            "full_body": "Full body",
            "upper": "Upper body",
            "lower": "Lower body",
            "push": "Push",
            "pull": "Pull",
            "legs": "Legs",
        }[self.value]

    @classmethod
    def of(cls, value: str | None) -> Focus | None:
        """The focus named ``value``; None for anything else (a plan's workout type)."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None


class WorkoutType(_Vocabulary):
    STRENGTH = "strength"
    BODYWEIGHT = "bodyweight"
    FLEXIBILITY = "flexibility"
    MOBILITY = "mobility"
    CARDIO = "cardio"
    HIIT = "hiit"

    @property
    def label(self) -> str:
        return "HIIT" if self is WorkoutType.HIIT else super().label


class FitnessLevel(_Vocabulary):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def rank(self) -> int:
        """0 for beginner, 1 intermediate, 2 advanced: exercises of a rank <= the user's fit."""
        return _LEVEL_RANKS[self.value]


_LEVEL_RANKS = {"beginner": 0, "intermediate": 1, "advanced": 2}


class Goal(_Vocabulary):
    STRENGTH = "strength"
    CARDIO = "cardio"
    FLEXIBILITY = "flexibility"
    WEIGHT_LOSS = "weight_loss"
    MUSCLE_GAIN = "muscle_gain"
    GENERAL_FITNESS = "general_fitness"


class Equipment(_Vocabulary):
    BODYWEIGHT = "bodyweight"
    DUMBBELLS = "dumbbells"
    BARBELL = "barbell"
    KETTLEBELL = "kettlebell"
    BENCH = "bench"
    PULL_UP_BAR = "pull_up_bar"
    RESISTANCE_BANDS = "resistance_bands"
    CABLE_MACHINE = "cable_machine"
    MACHINES = "machines"
    JUMP_ROPE = "jump_rope"
    CARDIO_MACHINE = "cardio_machine"
    YOGA_MAT = "yoga_mat"

    @property
    def label(self) -> str:
        return _EQUIPMENT_LABELS.get(self, super().label)

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {
            "none": "bodyweight",
            "body_weight": "bodyweight",
            "bw": "bodyweight",
            "dumbbell": "dumbbells",
            "db": "dumbbells",
            "kettlebells": "kettlebell",
            "kb": "kettlebell",
            "pullup_bar": "pull_up_bar",
            "pullupbar": "pull_up_bar",
            "bands": "resistance_bands",
            "band": "resistance_bands",
            "resistance_band": "resistance_bands",
            "cable": "cable_machine",
            "cables": "cable_machine",
            "machine": "machines",
            "rope": "jump_rope",
            "skipping_rope": "jump_rope",
            "treadmill": "cardio_machine",
            "bike": "cardio_machine",
            "rower": "cardio_machine",
            "mat": "yoga_mat",
        }

    @classmethod
    def parse_list(cls, text: str) -> frozenset[Equipment]:
        """Parse "dumbbells,barbell" (commas or spaces); bodyweight is always available."""
        parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
        return with_bodyweight(cls.parse(p) for p in parts)


# The bodyweight rule, in one place: bodyweight is always available, so it is added to
# whatever a person has and never offered as a toggle.
TOGGLED_EQUIPMENT = tuple(e for e in Equipment if e is not Equipment.BODYWEIGHT)
"""The equipment a person picks (all but bodyweight), in menu order."""


def with_bodyweight(items: Iterable[Equipment | str]) -> frozenset[Equipment]:
    """The equipment at hand: ``items`` (enum members or their values) and bodyweight."""
    return frozenset(Equipment(item) for item in items) | {Equipment.BODYWEIGHT}


def toggled_values(items: Iterable[Equipment | str]) -> list[str]:
    """What a person picked, as sorted values without bodyweight (a dialog's draft)."""
    return sorted({Equipment(item).value for item in items} - {Equipment.BODYWEIGHT.value})


_EQUIPMENT_LABELS = {
    Equipment.BODYWEIGHT: "Bodyweight",
    Equipment.PULL_UP_BAR: "Pull-up bar",
    Equipment.RESISTANCE_BANDS: "Resistance bands",
    Equipment.CABLE_MACHINE: "Cable machine",
    Equipment.MACHINES: "Machines",
    Equipment.JUMP_ROPE: "Jump rope",
    Equipment.CARDIO_MACHINE: "Cardio machine",
    Equipment.YOGA_MAT: "Yoga mat",
}


class Units(_Vocabulary):
    KG = "kg"
    LB = "lb"

    @property
    def label(self) -> str:
        return self.value

    @property
    def step(self) -> float:
        """The smallest sensible weight jump: 2.5 kg or 5 lb."""
        return 2.5 if self is Units.KG else 5.0

    @property
    def per_kg(self) -> float:
        return 1.0 if self is Units.KG else 2.20462


class RequestState(StrEnum):
    """Where a workout request is: ``queued -> generating -> generated -> delivered``, or
    ``failed``. Stored as the value; only usecases/lifecycle.py moves a request between them."""

    QUEUED = "queued"
    GENERATING = "generating"
    GENERATED = "generated"
    DELIVERED = "delivered"
    FAILED = "failed"


ACTIVE_STATES = frozenset({RequestState.QUEUED, RequestState.GENERATING})
"""A request in these states is in flight: a user has at most one."""
