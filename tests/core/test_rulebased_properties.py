"""Properties of the rule-based generator over every type, level and equipment subset."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalogue import CatalogueError, load_catalogue, load_catalogue_from
from core.coaches import COACHES
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import HistoryItem, Profile, WorkoutRequest
from core.rulebased import generate_rule_based
from core.validation import validate_workout

requests = st.builds(
    lambda coach, kind, minutes, gear, level, units, seed: (
        WorkoutRequest(
            coach=coach,
            workout_type=kind,
            duration_min=minutes,
            equipment=frozenset(gear),
            profile=Profile(level=level, units=units),
        ),
        seed,
    ),
    st.sampled_from(list(COACHES)),
    st.sampled_from(list(WorkoutType)),
    st.integers(min_value=10, max_value=180),
    st.sets(st.sampled_from(list(Equipment))),
    st.sampled_from(list(FitnessLevel)),
    st.sampled_from(list(Units)),
    st.integers(min_value=0, max_value=2**32),
)


@settings(max_examples=300, deadline=None)
@given(requests)
def test_only_available_equipment_and_within_ten_percent(case: tuple[WorkoutRequest, int]) -> None:
    request, seed = case
    workout = generate_rule_based(request, random.Random(seed))
    have = request.equipment | {Equipment.BODYWEIGHT}
    for exercise in workout.exercises:
        assert set(exercise.equipment) <= have, exercise.name
        assert len(exercise.alternatives) >= 2
        if exercise.weighted:
            assert exercise.weight_unit is request.profile.units
    assert abs(workout.estimated_minutes - request.duration_min) <= 0.10 * request.duration_min
    names = [e.name for e in workout.exercises]
    assert len(names) == len(set(names))
    assert validate_workout(workout, request) == []  # what the AI is held to, it meets too


def test_the_same_request_twice_may_differ() -> None:
    request = WorkoutRequest(
        coach="NOVA", workout_type=WorkoutType.BODYWEIGHT, duration_min=30, equipment=frozenset()
    )
    first = generate_rule_based(request, random.Random(1))
    second = generate_rule_based(request, random.Random(2))
    assert first.exercise_names != second.exercise_names


def test_recent_exercises_are_avoided_when_others_exist() -> None:
    base = dict(
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        equipment=frozenset({Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.BENCH}),
    )
    first = generate_rule_based(WorkoutRequest(**base), random.Random(5))
    history = HistoryItem(
        date="2026-11-20",
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        exercises=first.exercise_names,
    )
    second = generate_rule_based(WorkoutRequest(**base, history=(history,)), random.Random(5))
    assert not set(first.exercise_names) & set(second.exercise_names)


def test_the_catalogue_is_large_and_consistent() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) >= 150
    for entry in catalogue.entries:
        assert all(catalogue.get(a) is not None for a in entry.alternatives)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {name: A}", "'A'"),
        ("{name: A}", "list"),
        (
            "- {name: A, equipment: [rocket], muscles: [x], types: [strength], level: beginner,"
            " mode: reps, weighted: false, instructions: x, alternatives: [B, C]}",
            "rocket",
        ),
    ],
)
def test_a_broken_catalogue_is_refused_with_the_entry_named(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        load_catalogue_from(text)


def test_an_alternative_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    entry = (
        "- {name: %s, equipment: [bodyweight], muscles: [x], types: [strength], level: beginner,"
        " mode: reps, weighted: false, instructions: x, alternatives: [%s]}"
    )
    text = "\n".join([entry % ("A", "B, Ghost"), entry % ("B", "A, A2"), entry % ("A2", "A, B")])
    with pytest.raises(CatalogueError, match="Ghost"):
        load_catalogue_from(text)


@settings(max_examples=100, deadline=None)
@given(requests)
def test_regenerate_avoids_the_previous_plan_when_anything_else_fits(
    case: tuple[WorkoutRequest, int],
) -> None:
    request, seed = case
    first = generate_rule_based(request, random.Random(seed))
    again = request.model_copy(update={"avoid": first.exercise_names})
    second = generate_rule_based(again, random.Random(seed))
    # Valid in every way but the "different from the last one" rule, which the AI must meet
    # (it can write any exercise) and the catalogue cannot always (tiny equipment pools).
    assert validate_workout(second, request) == []
    before = {name.lower() for name in first.exercise_names}
    repeated = [e.name for e in second.exercises if e.name.lower() in before]
    # Only when the user's equipment leaves too few other exercises.
    pool = load_catalogue().candidates(
        request.workout_type, request.profile.level, request.equipment
    )
    others = [e for e in pool if e.name.lower() not in before]
    assert not repeated or len(others) < len(second.exercises)
