"""What tests ask for and store: a workout request, and exercises for the workouts they save
or send, each built from the fields a test cares about."""

from __future__ import annotations

import random
from typing import Any

from core.coaches import COACHES
from core.domain import Equipment, Units, WorkoutType
from core.models import Exercise, Profile, Workout, WorkoutRequest
from core.render import render_html
from core.rulebased import generate_rule_based

CUES = (
    " Set up the same way every rep, breathe in before you move, breathe out through the"
    " hardest part, and stop the set one good rep before your form starts to break down."
)
"""Extra form cues that make a workout long enough to need several messages."""


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


def long_workout(request: WorkoutRequest, *, parts: int = 2) -> Workout:
    """A rule-based workout for ``request`` (real catalogue exercises, so Swap has options)
    whose exercises carry long form cues, so that it takes at least ``parts`` messages.

    The generator writes compact sessions (at most 14 exercises even at 180 minutes), which
    usually fit one message; the tests of splitting need a workout that does not."""
    workout = generate_rule_based(request, random.Random(7))
    longer = workout.model_copy(
        update={
            "exercises": [
                e.model_copy(update={"instructions": e.instructions + CUES * 2})
                for e in workout.exercises
            ]
        }
    )
    rendered = render_html(
        longer,
        coach=COACHES[request.coach],
        workout_type=request.workout_type,
        duration_min=request.duration_min,
        units=request.profile.units,
    )
    assert len(rendered) >= parts, f"only {len(rendered)} message(s): make the cues longer"
    return longer
