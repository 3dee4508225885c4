"""How close a valid workout comes to what a coach would write: a score for the log.

``core.validation.validate_workout`` rejects what is unsafe or impossible; everything else
an AI answer does short of the coach rules of issue 12 (the prompt states them) is scored
here, 100 meaning none was missed, and each miss named, so the generation log shows how
good the answers are without throwing any away:

    count outside the norm table for the type and length        -10
    a full-body pattern missing (squat/lunge, push, hinge, pull,
      core: core/norms.full_body_patterns), per pattern          -10
    a rest off the 15-s grid (a tabata's 10 s excepted), each     -5 (at most -20)
    the total more than 10% from the requested duration          -10
    no warm-up                                                   -10
    no cool-down                                                  -5
    an exercise the catalogue does not know (its pattern, level
      and alternatives unknown), each                             -2 (at most -10)
"""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue import Catalogue, load_catalogue
from core.models import Workout, WorkoutRequest, set_seconds
from core.norms import REST_GRID, exercise_range, full_body_patterns

__all__ = ["Score", "score_workout"]


@dataclass(frozen=True, slots=True)
class Score:
    """A workout's score and what cost it points."""

    points: int
    """0-100."""
    misses: tuple[str, ...]
    """One plain phrase per miss."""


def score_workout(
    workout: Workout, request: WorkoutRequest, catalogue: Catalogue | None = None
) -> Score:
    """Score ``workout`` against the coach rules for ``request`` (see the module docstring)."""
    catalogue = catalogue or load_catalogue()
    kind, minutes = request.workout_type, request.duration_min
    misses: list[tuple[int, str]] = []
    low, high = exercise_range(kind, minutes)
    count = len(workout.exercises)
    if not low <= count <= high:
        misses.append((10, f"{count} exercises, the norm is {low}-{high}"))
    entries = [catalogue.get(ex.name.strip()) for ex in workout.exercises]
    patterns = {e.pattern for e in entries if e is not None}
    for needed in full_body_patterns(kind, minutes):
        if not needed & patterns:
            misses.append((10, f"no {' or '.join(sorted(needed))}"))
    off = [
        ex.name
        for ex in workout.exercises
        if ex.rest_seconds % REST_GRID
        and not (ex.rest_seconds == 10 and set_seconds(ex.reps) == 20)
    ]
    if off:
        misses.append((min(20, 5 * len(off)), f"rest off the grid: {', '.join(off)}"))
    total = workout.estimated_minutes
    if abs(total - minutes) > 0.10 * minutes:
        misses.append((10, f"{total:.0f} min for {minutes}"))
    if workout.warmup is None:
        misses.append((10, "no warm-up"))
    if workout.cooldown is None:
        misses.append((5, "no cool-down"))
    unknown = [ex.name for ex, e in zip(workout.exercises, entries, strict=True) if e is None]
    if unknown:
        misses.append((min(10, 2 * len(unknown)), f"not in the catalogue: {', '.join(unknown)}"))
    points = max(0, 100 - sum(cost for cost, _ in misses))
    return Score(points, tuple(what[:200] for _, what in misses))
