"""Double progression: the next session's load for each exercise, from what was logged.

    logged sessions of one exercise (newest first)
      ─▶ working sets: the sets at the session's heaviest weight
      ─▶ effort: a set's RPE, else the session's rating, else its RPE
      ─▶ one rule, the first that applies:
           every working set at the top of the range, not too hard  -> increase one step
           the top reached but too hard                             -> hold
           three sessions at one weight without a rep gained,
             the latest with a set below the range                   -> deload ~10%
           below the range in the two latest sessions, no rep gained -> reduce one step
           anything else (inside the range, below it once, gaining) -> hold

A step is 2.5 kg or 5 lb: it is computed in the user's unit and the result stored in kg
(``ExerciseTarget.weight_kg``). The weight is never raised unless the top of the range was
reached, and never lowered while every working set is inside the range: "as planned" logs
the bottom of a range (core.shorthand.as_planned), and a user who does what the plan says
never gets a deload. Timed and bodyweight sets carry no load and get no target. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.domain import FitnessLevel, Goal, Units
from core.models import Action, Effort, ExerciseTarget, Profile, Workout, weight_in
from core.validation import MAX_WEIGHT

__all__ = [
    "DELOAD",
    "SAME_WEIGHT_KG",
    "LoggedExercise",
    "LoggedSetData",
    "apply_targets",
    "default_rep_range",
    "effort_of",
    "next_target",
    "rep_range",
    "targets_from_logs",
]

DELOAD = 0.9
"""A deload takes the weight to about 90%."""
SAME_WEIGHT_KG = 0.05
"""Weights closer than this are the same weight (kg and lb conversions leave dust)."""
HARD_RPE = 9.5
"""An RPE at or above this is "too hard": no reps were left."""
EASY_RPE = 6.0
"""An RPE at or below this is "too easy": four or more reps were left."""
MAX_TARGETS = 12
"""Exercises a request carries targets for (the most recently done)."""
WIDE_MARGIN = 0.25
"""An AI target weight further than this share from the recommendation is replaced."""

_RATING_EFFORT: dict[str | None, Effort] = {
    "too_easy": "easy",
    "just_right": "right",
    "too_hard": "hard",
}
_RANGE = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\b")
_SINGLE = re.compile(r"^\s*(\d{1,3})\b(?!\s*(?:s|sec|m|min))")
_TIMED = re.compile(r"\d\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes)\b")


@dataclass(frozen=True, slots=True)
class LoggedSetData:
    """One set as logged (the db's ``WorkoutLogSet``, without the database)."""

    reps: int | None
    weight_kg: float | None
    rpe: float | None = None


@dataclass(frozen=True, slots=True)
class LoggedExercise:
    """One exercise in one logged session."""

    name: str
    performed_at: dt.datetime
    sets: tuple[LoggedSetData, ...]
    rating: str | None = None
    """The session's rating: too_easy, just_right or too_hard."""
    session_rpe: float | None = None
    planned_reps: str | None = None
    """The plan's reps text for this exercise ("8-12"), when the session had a plan."""


@dataclass(frozen=True, slots=True)
class _Performance:
    """The working sets of one session: the heaviest weight and the reps done at it."""

    weight_kg: float
    reps: tuple[int, ...]
    effort: Effort | None

    @property
    def total(self) -> int:
        return sum(self.reps)

    @property
    def mean(self) -> float:
        return self.total / len(self.reps)


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def rep_range(reps: str | None) -> tuple[int, int] | None:
    """The rep range a plan's reps text asks for: "8-12" -> (8, 12), "10" -> (10, 10).

    None for a timed set ("30s"), "AMRAP" or anything else that is not a rep count.
    """
    if not reps or _TIMED.search(reps.lower()):
        return None
    if m := _RANGE.match(reps):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return (low, high) if low >= 1 else None
    if m := _SINGLE.match(reps):
        value = int(m.group(1))
        return (value, value) if value >= 1 else None
    return None


def default_rep_range(profile: Profile) -> tuple[int, int]:
    """The range used when the plan gives none: the rule-based generator's for the goals."""
    if Goal.STRENGTH in profile.goals:
        return ((8, 10), (5, 8), (4, 6))[profile.level.rank]
    if Goal.MUSCLE_GAIN in profile.goals or profile.level is FitnessLevel.BEGINNER:
        return (8, 12)
    return (6, 10) if profile.level is FitnessLevel.ADVANCED else (8, 12)


def effort_of(exercise: LoggedExercise) -> Effort | None:
    """How hard the session was for this exercise: the hardest set RPE first, then the
    session's rating, then its RPE."""
    set_rpes = [s.rpe for s in exercise.sets if s.rpe is not None]
    rpe = max(set_rpes) if set_rpes else None
    if rpe is None and exercise.rating in _RATING_EFFORT:
        return _RATING_EFFORT[exercise.rating]
    rpe = rpe if rpe is not None else exercise.session_rpe
    if rpe is None:
        return None
    if rpe >= HARD_RPE:
        return "hard"
    return "easy" if rpe <= EASY_RPE else "right"


def _performance(exercise: LoggedExercise) -> _Performance | None:
    loaded = [
        s
        for s in exercise.sets
        if s.weight_kg is not None
        and math.isfinite(s.weight_kg)
        and 0 < s.weight_kg <= MAX_WEIGHT[Units.KG]  # a typo of 6000 kg is not a lift
        and s.reps is not None
        and s.reps >= 0
    ]
    if not loaded:
        return None
    top = max(s.weight_kg for s in loaded if s.weight_kg is not None)
    reps = tuple(
        s.reps
        for s in loaded
        if s.reps is not None and s.weight_kg is not None and top - s.weight_kg < SAME_WEIGHT_KG
    )
    return _Performance(weight_kg=top, reps=reps, effort=effort_of(exercise))


def _same(a: float, b: float) -> bool:
    return abs(a - b) < SAME_WEIGHT_KG


def _stalled(history: Sequence[_Performance]) -> bool:
    """Three sessions at one weight, and neither later one beat the first's reps."""
    if len(history) < 3:
        return False
    newest, middle, oldest = history[0], history[1], history[2]
    if not _same(newest.weight_kg, middle.weight_kg) or not _same(
        middle.weight_kg, oldest.weight_kg
    ):
        return False
    return max(newest.total, middle.total) <= oldest.total


def _decide(history: Sequence[_Performance], low: int, high: int) -> Action:
    """The rule for the newest session (``history[0]``), given the ones before it."""
    last = history[0]
    if min(last.reps) >= high:
        return "hold" if last.effort == "hard" else "increase"
    if _stalled(history) and min(last.reps) < low:
        # Only below the range: a user who does what the plan asks (every set inside the
        # range, "as planned" logs its bottom) holds the load, never loses it.
        return "deload"
    if len(history) >= 2 and all(p.mean < low for p in history[:2]):
        # Still gaining reps below the range: give it another session at this weight.
        return "reduce" if last.total <= history[1].total else "hold"
    return "hold"


def _next_weight(action: Action, last_kg: float, units: Units) -> float:
    """The next weight in kg, computed in the user's unit: whole steps, never below one."""
    step = units.step
    current = weight_in(last_kg, units)
    if current <= 0:
        current = step
    if action == "increase":
        value = current + step
    elif action == "reduce":
        value = max(step, current - step) if current > step else current
    elif action == "deload":
        value = math.floor(current * DELOAD / step + 0.5) * step  # half up, not to even
        if value >= current:
            value = current - step
        if value < step:
            value = current if current <= step else step
    else:
        value = current
    return value / units.per_kg


def next_target(
    sessions: Sequence[LoggedExercise], units: Units, default_range: tuple[int, int]
) -> ExerciseTarget | None:
    """The target for one exercise from its logged sessions, newest first.

    None when no session carries a load with reps (bodyweight, timed work).
    """
    history: list[_Performance] = []
    latest: LoggedExercise | None = None
    for exercise in sessions:
        performance = _performance(exercise)
        if performance is None:
            if latest is None:
                continue  # an unloaded newest session: judge by the last loaded one
            break  # the chain of loaded sessions ends here
        if latest is None:
            latest = exercise
        history.append(performance)
    if latest is None or not history:
        return None
    low, high = rep_range(latest.planned_reps) or default_range
    action = _decide(history, low, high)
    last = history[0]
    return ExerciseTarget(
        name=latest.name.strip()[:80],
        action=action,
        weight_kg=_next_weight(action, last.weight_kg, units),
        last_weight_kg=last.weight_kg,
        last_reps=last.reps,
        effort=last.effort,
        rep_low=low,
        rep_high=high,
        last_date=latest.performed_at.date(),
        sessions=len(history),
    )


def targets_from_logs(
    logged: Iterable[LoggedExercise], profile: Profile, limit: int = MAX_TARGETS
) -> tuple[ExerciseTarget, ...]:
    """Targets for every loaded exercise in ``logged``, the most recently done first."""
    by_name: dict[str, list[LoggedExercise]] = {}
    for exercise in logged:
        by_name.setdefault(_key(exercise.name), []).append(exercise)
    targets = []
    for sessions in by_name.values():
        sessions.sort(key=lambda e: e.performed_at, reverse=True)
        target = next_target(sessions, profile.units, default_rep_range(profile))
        if target is not None:
            targets.append((sessions[0].performed_at, target))
    targets.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(t for _, t in targets[:limit])


def apply_targets(workout: Workout, targets: Sequence[ExerciseTarget], units: Units) -> Workout:
    """``workout`` with the loads of recommended exercises corrected where they stray.

    An AI may ignore the recommendation; a target weight further than ``WIDE_MARGIN`` from
    it (or missing) on an exercise we have a target for is replaced by the recommendation.
    """
    by_name = {_key(t.name): t for t in targets}
    exercises = []
    changed = False
    for exercise in workout.exercises:
        target = by_name.get(_key(exercise.name))
        if target is not None and exercise.weighted:
            wanted = target.weight(units)
            given = exercise.target_weight
            if (
                given is None
                or exercise.weight_unit is not units
                or abs(given - wanted) > WIDE_MARGIN * wanted
            ):
                exercise = exercise.model_copy(
                    update={"target_weight": wanted, "weight_unit": units}
                )
                changed = True
        exercises.append(exercise)
    return workout.model_copy(update={"exercises": exercises}) if changed else workout
