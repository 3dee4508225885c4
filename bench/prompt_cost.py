"""Benchmark 4: what one AI request costs in prompt, cached and uncached.

A typical request: an intermediate user with a full profile and a limitation, five
workouts of history, and progression targets for the four lifts they logged. The static
part (rules, coach voices, schema) is the cached prefix; the request, profile, history and
progression are paid for every time. Tokens are estimated at four characters a token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from adapters.claude import strict_tool
from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.models import HistoryItem, Profile, WorkoutRequest
from core.progression import LoggedExercise, LoggedSetData, targets_from_logs
from core.prompt import build_prompt, cached_prefix_chars, uncached_chars

__all__ = ["PromptCost", "run", "typical_request"]

CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class PromptCost:
    cached_chars: int
    uncached_chars: int

    @property
    def cached_tokens(self) -> int:
        return self.cached_chars // CHARS_PER_TOKEN

    @property
    def uncached_tokens(self) -> int:
        return self.uncached_chars // CHARS_PER_TOKEN


def _logged() -> list[LoggedExercise]:
    """Three sessions of four lifts, a rep gained each time, as the Done button logs them."""
    lifts = (
        ("Barbell back squat", 60.0, (8, 8, 7)),
        ("Dumbbell bench press", 22.5, (8, 8, 8)),
        ("Bent-over barbell row", 50.0, (6, 6, 5)),
        ("Romanian deadlift", 70.0, (5, 5, 4)),
    )
    return [
        LoggedExercise(
            name=name,
            performed_at=dt.datetime(2026, 11, 20 - 2 * i, 18, tzinfo=dt.UTC),
            sets=tuple(LoggedSetData(reps=r - i, weight_kg=kg) for r in reps),
            rating="just_right",
            planned_reps="5-8",
        )
        for i in range(3)
        for name, kg, reps in lifts
    ]


def typical_request() -> WorkoutRequest:
    history = tuple(
        HistoryItem(
            date=dt.date(2026, 11, 20 - i),
            coach="MAX",
            workout_type=WorkoutType.STRENGTH,
            duration_min=45,
            exercises=(
                "Barbell back squat",
                "Dumbbell bench press",
                "Bent-over barbell row",
                "Romanian deadlift",
                "Plank",
            ),
        )
        for i in range(5)
    )
    profile = Profile(
        name="Alex",
        level=FitnessLevel.INTERMEDIATE,
        goals=(Goal.STRENGTH, Goal.MUSCLE_GAIN),
        equipment=frozenset({Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.BENCH}),
        units=Units.KG,
        limitations="Left knee gets sore on deep lunges.",
    )
    return WorkoutRequest(
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        equipment=frozenset({Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.BENCH}),
        profile=profile,
        history=history,
        progression=targets_from_logs(_logged(), profile),
    )


def run() -> PromptCost:
    prompt = build_prompt(typical_request())
    prompt = replace(prompt, tool=strict_tool(prompt.tool))  # as the Claude client sends it
    return PromptCost(
        cached_chars=cached_prefix_chars(prompt), uncached_chars=uncached_chars(prompt)
    )
