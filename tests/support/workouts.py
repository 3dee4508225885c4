"""What tests ask for and store: a workout request, and exercises for the workouts they save
or send, each built from the fields a test cares about."""

from __future__ import annotations

from typing import Any

from core.domain import Equipment, Units, WorkoutType
from core.models import Exercise, Profile, WorkoutRequest


def anns_request(*equipment: Equipment) -> WorkoutRequest:
    """MAX, 45 minutes of strength for Ann (sore left knee), with this equipment."""
    return WorkoutRequest(
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        equipment=frozenset(equipment),
        profile=Profile(name="Ann", limitations="Sore left knee"),
    )


def lift(name: str, **changes: Any) -> Exercise:
    """A barbell lift: 4 × 6-8 at 60 kg, 120 s rest, goblet squat or leg press instead; but
    for ``changes``."""
    fields: dict[str, Any] = {
        "name": name,
        "sets": 4,
        "reps": "6-8",
        "rest_seconds": 120,
        "instructions": "Brace.",
        "equipment": [Equipment.BARBELL],
        "weighted": True,
        "target_weight": 60,
        "weight_unit": Units.KG,
        "alternatives": ["Goblet squat", "Leg press"],
    }
    return Exercise(**(fields | changes))
