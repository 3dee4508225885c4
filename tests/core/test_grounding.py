"""core.grounding: the AI's exercise names matched to the catalogue (normalised names,
abbreviations and aliases, fuzzy matching with a threshold), unmatched ones kept."""

from __future__ import annotations

import random

import pytest

from core.catalogue import Entry, load_catalogue
from core.domain import Equipment, WorkoutType
from core.grounding import FUZZY_THRESHOLD, ground_workout, match, normalise
from core.models import ExerciseTarget, WorkoutRequest
from core.rulebased import generate_rule_based

CATALOGUE = load_catalogue()
REQUEST = WorkoutRequest(
    coach="MAX",
    workout_type=WorkoutType.STRENGTH,
    duration_min=45,
    equipment=frozenset({Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.BENCH}),
)


@pytest.mark.parametrize(
    ("written", "entry"),
    [
        ("Push-Ups", "Push-up"),
        ("push ups", "Push-up"),
        ("DB Bench Press", "Dumbbell bench press"),
        ("RDL", "Romanian deadlift"),
        ("DB RDL", "Dumbbell Romanian deadlift"),
        ("OHP", "Overhead press"),
        ("Military Press", "Overhead press"),
        ("Farmers walk", "Farmer's carry"),
        ("Dumbell curl", "Dumbbell curl"),  # a typo
        ("Curl, dumbbell", "Dumbbell curl"),  # another order
        ("Bulgarian split squats (each leg)", "Bulgarian split squat"),
        ("Dumbbell rows", "One-arm dumbbell row"),
        ("Goblet Squats", "Goblet squat"),
    ],
)
def test_names_as_an_ai_writes_them_find_their_entry(written: str, entry: str) -> None:
    found = match(written, CATALOGUE)
    assert found is not None and found.name == entry


@pytest.mark.parametrize("written", ["Jefferson curl", "Plank with shoulder taps", "Dance!"])
def test_what_the_catalogue_does_not_have_matches_nothing(written: str) -> None:
    assert match(written, CATALOGUE) is None


def test_near_names_of_different_moves_stay_apart() -> None:
    """The threshold keeps a curl a curl: no entry is taken for a neighbour's name."""
    assert FUZZY_THRESHOLD >= 0.85
    curl = match("Dumbbell curls", CATALOGUE)
    assert curl is not None and curl.name == "Dumbbell curl"
    same: dict[str, list[Entry]] = {}
    for entry in CATALOGUE.entries:
        same.setdefault(normalise(entry.name), []).append(entry)
    for entry in CATALOGUE.entries:  # every catalogue name finds itself, normalised or not
        twins = same[normalise(entry.name)]  # "Band good morning (pull through)" and without
        assert match(normalise(entry.name), CATALOGUE) in twins
        assert match(entry.name.upper(), CATALOGUE) is entry or len(twins) > 1


def test_a_workout_is_renamed_to_the_catalogue_and_the_unmatched_are_listed() -> None:
    workout = generate_rule_based(REQUEST, random.Random(2))
    names = [e.name for e in workout.exercises]
    exercises = list(workout.exercises)
    exercises[0] = exercises[0].model_copy(update={"name": names[0].upper() + "S"})
    exercises[1] = exercises[1].model_copy(update={"name": "Jefferson curl"})
    ai = workout.model_copy(update={"exercises": exercises})
    grounded = ground_workout(ai, REQUEST)
    assert grounded.renamed == (f"{names[0].upper()}S -> {names[0]}",)
    assert grounded.unmatched == ("Jefferson curl",)
    assert [e.name for e in grounded.workout.exercises] == [names[0], "Jefferson curl", *names[2:]]
    # Only the name changed.
    assert grounded.workout.exercises[0].sets == exercises[0].sets
    assert grounded.workout.exercises[0].instructions == exercises[0].instructions


def test_a_progression_lift_keeps_the_name_its_target_has() -> None:
    import datetime as dt

    target = ExerciseTarget(
        name="DB bench press", action="hold", weight_kg=20, last_weight_kg=20,
        last_reps=(8, 8), rep_low=6, rep_high=10, last_date=dt.date(2026, 12, 1), sessions=2,
    )  # fmt: skip
    request = REQUEST.model_copy(update={"progression": (target,)})
    workout = generate_rule_based(REQUEST, random.Random(2))
    exercises = list(workout.exercises)
    exercises[0] = exercises[0].model_copy(update={"name": "DB bench press"})
    grounded = ground_workout(workout.model_copy(update={"exercises": exercises}), request)
    assert grounded.workout.exercises[0].name == "DB bench press"
    assert grounded.renamed == ()


class _Answers:
    """An AI client that answers with one workout (the pipeline's view of Claude)."""

    model = "stub"

    def __init__(self, workout: object) -> None:
        self.workout = workout

    def generate(self, request: WorkoutRequest, progress: object = None) -> object:
        from core.pipeline import AIAttempt, AIResult

        return AIResult(self.workout, AIAttempt(model="stub", latency_ms=1, outcome="ok"))  # type: ignore[arg-type]


def test_the_pipeline_grounds_an_ai_workout_and_logs_what_it_did() -> None:
    from core.pipeline import build_workout

    workout = generate_rule_based(REQUEST, random.Random(4))
    exercises = list(workout.exercises)
    first = exercises[0].name
    exercises[0] = exercises[0].model_copy(update={"name": first.lower() + "s"})
    exercises[1] = exercises[1].model_copy(update={"name": "Jefferson curl"})
    ai = _Answers(workout.model_copy(update={"exercises": exercises}))
    result = build_workout(REQUEST, ai)  # type: ignore[arg-type]
    assert result.source == "ai"
    assert result.workout.exercises[0].name == first
    (attempt,) = result.attempts
    assert attempt.renamed == (f"{first.lower()}s -> {first}",)
    assert attempt.unmatched == ("Jefferson curl",)
