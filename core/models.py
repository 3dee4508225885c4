"""Value objects: the profile, the request, the workout.

All models are frozen. The workout is also the schema the AI answers in (structured
output), so its fields carry descriptions written for the model. The total time of a
workout is derived from its parts (``Workout.estimated_minutes``), never trusted from
the AI.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.coaches import COACHES
from core.domain import Equipment, FitnessLevel, Focus, Goal, Units, WorkoutType, with_bodyweight

__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "SECONDS_PER_REP",
    "Action",
    "Block",
    "Effort",
    "Exercise",
    "ExerciseTarget",
    "HistoryItem",
    "Profile",
    "Workout",
    "WorkoutRequest",
    "set_seconds",
    "weight_in",
]

MIN_DURATION = 10
MAX_DURATION = 180
SECONDS_PER_REP = 4.0
"""Time under tension plus reset for one repetition, used to turn "8-12" into seconds."""
SECONDS_PER_UNKNOWN_SET = 45.0
"""A set whose reps text we cannot read ("AMRAP", "to failure") is counted as this long."""

_TIME = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes)\b")
_RANGE = re.compile(r"(\d+)\s*(?:-|–|to)\s*(\d+)")
_NUMBER = re.compile(r"(\d+)")
_PER_SIDE = re.compile(r"each|per\s+(side|leg|arm)|/\s*(side|leg|arm)", re.IGNORECASE)

LimitedText = Annotated[str, Field(max_length=500)]


def set_seconds(reps: str) -> float:
    """Estimated working seconds of one set described by ``reps``.

    "30s" -> 30, "1 min" -> 60, "8-12" -> 10 reps x 4 s, "12" -> 48, "10 each side" -> 80,
    "AMRAP" -> 45. Per-side sets count twice.
    """
    text = reps.strip().lower()
    sides = 2.0 if _PER_SIDE.search(text) else 1.0
    if m := _TIME.search(text):
        value = float(m.group(1))
        return sides * (value if m.group(2).startswith("s") else value * 60)
    if m := _RANGE.search(text):
        return sides * (int(m.group(1)) + int(m.group(2))) / 2 * SECONDS_PER_REP
    if m := _NUMBER.search(text):
        return sides * int(m.group(1)) * SECONDS_PER_REP
    return sides * SECONDS_PER_UNKNOWN_SET


class Profile(BaseModel):
    """What we know about the person training."""

    model_config = ConfigDict(frozen=True)

    name: str | None = Field(default=None, max_length=64, description="First name, if known.")
    level: FitnessLevel = FitnessLevel.INTERMEDIATE
    goals: tuple[Goal, ...] = (Goal.GENERAL_FITNESS,)
    equipment: frozenset[Equipment] = frozenset({Equipment.BODYWEIGHT})
    preferred_coach: str = "MAX"
    units: Units = Units.KG
    limitations: str | None = Field(
        default=None, max_length=500, description="Injuries or limitations, free text."
    )

    @field_validator("preferred_coach")
    @classmethod
    def _known_coach(cls, value: str) -> str:
        if value.upper() not in COACHES:
            raise ValueError(f"unknown coach {value!r}")
        return value.upper()


class HistoryItem(BaseModel):
    """A recent workout, so the next one can avoid repeating it."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    coach: str
    workout_type: WorkoutType
    duration_min: int
    exercises: tuple[str, ...]


Action = Literal["increase", "hold", "reduce", "deload"]
"""What double progression says for an exercise's next session (see core/progression.py)."""
Effort = Literal["easy", "right", "hard"]
"""How the last session felt: from a set's RPE, the session's rating or its RPE."""


def weight_in(weight_kg: float, units: Units) -> float:
    """``weight_kg`` in ``units``, on a grain of a tenth of a step (0.25 kg, 0.5 lb).

    Weights are stored in kg; 135 lb goes in as 61.235 kg and comes back as exactly 135,
    not 134.99999.
    """
    grain = units.step / 10
    return round(weight_kg * units.per_kg / grain) * grain


class ExerciseTarget(BaseModel):
    """The next session's load for one exercise the user has logged, by double progression."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(max_length=80)
    """The exercise as last logged."""
    action: Action
    weight_kg: float = Field(gt=0)
    """The recommended working weight, in kg (computed in the user's unit, see ``weight``)."""
    last_weight_kg: float = Field(gt=0)
    """The heaviest weight of the last session: its working sets."""
    last_reps: tuple[int, ...]
    """Reps of the last session's working sets, in order."""
    effort: Effort | None = None
    rep_low: int = Field(ge=1)
    rep_high: int = Field(ge=1)
    """The rep range the progression works in (the plan's, or a default for the goals)."""
    last_date: dt.date
    sessions: int = Field(ge=1)
    """How many logged sessions of this exercise the recommendation looked at."""

    def weight(self, units: Units) -> float:
        """The recommended weight in ``units`` (the user's)."""
        return weight_in(self.weight_kg, units)

    def summary(self, units: Units) -> str:
        """One short line for the AI prompt: what was done, what comes next."""
        last = _num(weight_in(self.last_weight_kg, units))
        reps = "/".join(str(r) for r in self.last_reps[:6])
        felt = f" {self.effort}" if self.effort else ""
        return (
            f"{self.name} {last}{units.value} x{reps}{felt}: "
            f"{'hold at' if self.action == 'hold' else self.action + ' to'} "
            f"{_num(self.weight(units))}{units.value}, {self.rep_low}-{self.rep_high} reps"
        )


def _num(value: float) -> str:
    """62.5 -> "62.5", 60.0 -> "60"."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else "?"


class WorkoutRequest(BaseModel):
    """One ask for a workout: who, what, how long, with what."""

    model_config = ConfigDict(frozen=True)

    coach: str
    workout_type: WorkoutType
    duration_min: int = Field(ge=MIN_DURATION, le=MAX_DURATION)
    equipment: frozenset[Equipment]
    profile: Profile = Profile()
    history: tuple[HistoryItem, ...] = ()
    notes: tuple[str, ...] = ()
    """Extra facts for the generator, already phrased for a coach."""
    progression: tuple[ExerciseTarget, ...] = ()
    """Next loads for exercises the user has logged, most recently done first."""
    avoid: tuple[str, ...] = ()
    """Exercises not to use: the person asked for a workout different from the one with these
    (Regenerate). Stronger than ``history`` and ``progression``: used only when nothing else
    fits."""
    focus: Focus | None = None
    """A split's day (upper, lower, push, pull, legs): the session trains that alone. None
    (or full body): the whole body."""
    tired: frozenset[str] = frozenset()
    """Muscle groups (``core.recovery.GROUPS``) still recovering from the sets logged in the
    last days: today's session steers away from them where the balance allows."""

    @field_validator("coach")
    @classmethod
    def _known_coach(cls, value: str) -> str:
        if value.upper() not in COACHES:
            raise ValueError(f"unknown coach {value!r}; valid: {', '.join(COACHES)}")
        return value.upper()

    @field_validator("equipment")
    @classmethod
    def _bodyweight_always(cls, value: frozenset[Equipment]) -> frozenset[Equipment]:
        return with_bodyweight(value)

    @property
    def recent_exercises(self) -> frozenset[str]:
        return frozenset(name.lower() for item in self.history for name in item.exercises)

    def target_index(self, name: str) -> int | None:
        """Where the exercise called ``name`` (any case) is in ``progression``, if it is."""
        key = " ".join(name.lower().split())
        return next(
            (i for i, t in enumerate(self.progression) if " ".join(t.name.lower().split()) == key),
            None,
        )

    def target_for(self, name: str) -> ExerciseTarget | None:
        """The progression target of the exercise called ``name`` (any case), if any."""
        index = self.target_index(name)
        return None if index is None else self.progression[index]


class Block(BaseModel):
    """A warm-up or cool-down: a few minutes of simple movements."""

    model_config = ConfigDict(frozen=True)

    minutes: int = Field(description="How long the block takes, in whole minutes (1-20).")
    items: list[str] = Field(
        description="The movements in order, each a short phrase such as '30s arm circles'."
    )


class Exercise(BaseModel):
    """One exercise of the main part."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The exercise's common name, e.g. 'Barbell back squat'.")
    sets: int = Field(description="Number of working sets (1-10).")
    reps: str = Field(
        description="Reps per set as text: a number '10', a range '8-12', a time '30s' or "
        "'45s', 'AMRAP', optionally '10 each side'."
    )
    rest_seconds: int = Field(description="Rest after each set, in seconds (0-300).")
    instructions: str = Field(description="One to three sentences of form cues.")
    equipment: list[Equipment] = Field(
        description="Equipment this exercise needs; ['bodyweight'] when none."
    )
    weighted: bool = Field(description="True when the exercise is loaded with external weight.")
    target_weight: float | None = Field(
        default=None, description="Suggested load per set when weighted, else null."
    )
    weight_unit: Units | None = Field(
        default=None, description="Unit of target_weight (the user's unit), else null."
    )
    alternatives: list[str] = Field(
        min_length=2, description="At least two substitute exercises the user could do instead."
    )

    @property
    def estimated_seconds(self) -> float:
        """Working time plus the rest after every set (the last rest is the changeover)."""
        return self.sets * (set_seconds(self.reps) + self.rest_seconds)


class Workout(BaseModel):
    """A complete session, as delivered to the user and stored as the plan."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(description="A short, motivating title (max 80 characters).")
    intro: str = Field(description="Two or three sentences from the coach, in the coach's voice.")
    warmup: Block | None = Field(default=None, description="Optional warm-up.")
    exercises: list[Exercise] = Field(min_length=1, description="The main part, in order.")
    cooldown: Block | None = Field(default=None, description="Optional cool-down.")
    outro: str | None = Field(default=None, description="A one-line sign-off from the coach.")

    @property
    def estimated_minutes(self) -> float:
        """Derived total: warm-up + every exercise's sets and rests + cool-down."""
        blocks = sum(b.minutes for b in (self.warmup, self.cooldown) if b is not None)
        return blocks + sum(e.estimated_seconds for e in self.exercises) / 60

    @property
    def exercise_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.exercises)
