"""Benchmark 5: the rule-based generator on 1,000 random requests.

Share within 10% of the requested duration, share using only the available equipment,
share passing the same validation the AI's answers get, distinct exercises per workout,
and time per workout.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass

from core.coaches import COACHES
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import Profile, WorkoutRequest
from core.rulebased import generate_rule_based
from core.validation import validate_workout

__all__ = ["QualityResult", "random_request", "run"]


@dataclass(frozen=True, slots=True)
class QualityResult:
    requests: int
    within_10pct: float
    equipment_ok: float
    validation_ok: float
    median_distinct: float
    ms_p50: float
    ms_max: float
    worst: str


def random_request(rng: random.Random) -> WorkoutRequest:
    """Any type, level, coach, unit, duration 10-180 and equipment subset."""
    gear = [e for e in Equipment if e is not Equipment.BODYWEIGHT]
    equipment = frozenset(rng.sample(gear, rng.randint(0, len(gear))))
    return WorkoutRequest(
        coach=rng.choice(list(COACHES)),
        workout_type=rng.choice(list(WorkoutType)),
        duration_min=rng.randint(10, 180),
        equipment=equipment,
        profile=Profile(level=rng.choice(list(FitnessLevel)), units=rng.choice(list(Units))),
    )


def run(n: int = 1000, seed: int = 7) -> QualityResult:
    rng = random.Random(seed)
    within = equipment_ok = valid = 0
    distinct: list[int] = []
    times: list[float] = []
    worst, worst_off = "", 0.0
    for _ in range(n):
        request = random_request(rng)
        start = time.perf_counter()
        workout = generate_rule_based(request, rng)
        times.append((time.perf_counter() - start) * 1000)
        off = abs(workout.estimated_minutes - request.duration_min) / request.duration_min
        within += off <= 0.10
        if off > worst_off:
            worst_off = off
            worst = (
                f"{request.workout_type.value} {request.duration_min} min: "
                f"{workout.estimated_minutes:.1f} min"
            )
        have = request.equipment | {Equipment.BODYWEIGHT}
        equipment_ok += all(set(e.equipment) <= have for e in workout.exercises)
        valid += not validate_workout(workout, request)
        distinct.append(len({e.name for e in workout.exercises}))
    return QualityResult(
        requests=n,
        within_10pct=within / n,
        equipment_ok=equipment_ok / n,
        validation_ok=valid / n,
        median_distinct=statistics.median(distinct),
        ms_p50=statistics.median(times),
        ms_max=max(times),
        worst=worst or "none",
    )
