"""Five-session series of one user (issue 12's item 8): the loads the rule-based generator
prescribes when the user never logs, logs every session "as planned", or logs the top of
every range.

Each session is generated from the targets of the sessions logged before it (the same
``core.progression.targets_from_logs`` the worker uses), then logged the way the strategy
says with ``core.shorthand.as_planned``, one day apart. Pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Literal

from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.models import Profile, Workout, WorkoutRequest, weight_in
from core.progression import LoggedExercise, LoggedSetData, targets_from_logs
from core.rulebased import generate_rule_based
from core.shorthand import Planned, Point, as_planned, planned_reps, planned_top

__all__ = ["STRATEGIES", "Series", "Strategy", "run_series"]

Strategy = Literal["never", "as planned", "middle", "top"]
"""How the user logs: not at all, Done > As planned's bottom of each range (the per-exercise
As planned), inside the ranges (their middle), or the top of every range."""
STRATEGIES: tuple[Strategy, ...] = ("never", "as planned", "middle", "top")
_POINT: dict[Strategy, Point] = {"as planned": "bottom", "middle": "middle", "top": "top"}
_DAY0 = dt.datetime(2026, 6, 1, 18, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Series:
    """One strategy's five sessions."""

    strategy: Strategy
    loads: dict[str, tuple[float | None, ...]]
    """Per loaded exercise of the first session: its load in each session, in the user's
    unit (None when the session did not have it)."""
    deloads: int
    """Sessions where a lift came back lighter than the one before."""
    workouts: tuple[Workout, ...]


def _request(profile: Profile, logged: list[LoggedExercise]) -> WorkoutRequest:
    return WorkoutRequest(
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        equipment=frozenset({Equipment.BARBELL, Equipment.DUMBBELLS}),
        profile=profile,
        progression=targets_from_logs(logged, profile),
    )


def _logged(workout: Workout, units: Units, point: Point, day: int) -> list[LoggedExercise]:
    out = []
    for exercise in workout.exercises:
        reps, seconds = planned_reps(exercise.reps)
        planned = Planned(
            sets=exercise.sets,
            reps=reps,
            seconds=seconds,
            weight=exercise.target_weight if exercise.weighted else None,
            units=exercise.weight_unit or units,
            reps_high=planned_top(exercise.reps),
        )
        sets = as_planned(planned, point)
        out.append(
            LoggedExercise(
                name=exercise.name,
                performed_at=_DAY0 + dt.timedelta(days=day),
                sets=tuple(LoggedSetData(reps=s.reps, weight_kg=s.weight_kg) for s in sets),
                rating="just_right",
                planned_reps=exercise.reps,
            )
        )
    return out


def _load(workout: Workout, name: str, units: Units) -> float | None:
    for exercise in workout.exercises:
        if exercise.name == name and exercise.weighted and exercise.target_weight is not None:
            unit = exercise.weight_unit or units
            return weight_in(exercise.target_weight / unit.per_kg, units)
    return None


def run_series(
    strategy: Strategy,
    *,
    sessions: int = 5,
    units: Units = Units.KG,
    level: FitnessLevel = FitnessLevel.INTERMEDIATE,
    seed: int = 3,
) -> Series:
    """``sessions`` strength sessions in a row for one user who logs by ``strategy``."""
    profile = Profile(level=level, goals=frozenset({Goal.STRENGTH}), units=units)
    rng = random.Random(seed)
    logged: list[LoggedExercise] = []
    workouts: list[Workout] = []
    for day in range(sessions):
        workout = generate_rule_based(_request(profile, logged), rng)
        workouts.append(workout)
        if strategy != "never":
            logged += _logged(workout, units, _POINT[strategy], day)
    names = [e.name for e in workouts[0].exercises if e.weighted and e.target_weight]
    loads = {name: tuple(_load(w, name, units) for w in workouts) for name in names}
    deloads = 0
    for before, after in itertools.pairwise(workouts):
        for name in names:
            a, b = _load(before, name, units), _load(after, name, units)
            if a is not None and b is not None and b < a - 1e-9:
                deloads += 1
    return Series(strategy, loads, deloads, tuple(workouts))
