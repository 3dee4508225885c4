"""core.repair: an AI workout that breaks a rule is fitted as a coach would, each kind of
repair on its own, and what no coach can fix is left for the validator to reject."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalogue import load_catalogue
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import Block, Exercise, Profile, Workout, WorkoutRequest
from core.norms import REST_GRID
from core.repair import REPAIR_KINDS, repair_workout
from core.rulebased import generate_rule_based
from core.validation import validate_workout

GEAR = frozenset({Equipment.DUMBBELLS, Equipment.BENCH})
REQUEST = WorkoutRequest(
    coach="MAX",
    workout_type=WorkoutType.STRENGTH,
    duration_min=45,
    equipment=GEAR,
    profile=Profile(equipment=GEAR, level=FitnessLevel.INTERMEDIATE),
)
CATALOGUE = load_catalogue()


def planned(request: WorkoutRequest = REQUEST, seed: int = 1) -> Workout:
    workout = generate_rule_based(request, random.Random(seed))
    assert validate_workout(workout, request) == []
    return workout


def changed(workout: Workout, index: int, **fields: Any) -> Workout:
    exercises = list(workout.exercises)
    exercises[index] = exercises[index].model_copy(update=fields)
    return workout.model_copy(update={"exercises": exercises})


def kinds(workout: Workout, request: WorkoutRequest = REQUEST) -> list[str]:
    repaired = repair_workout(workout, request)
    assert validate_workout(repaired.workout, request) == []
    return [r.kind for r in repaired.repairs]


def test_a_valid_workout_is_left_as_it_is() -> None:
    workout = planned()
    repaired = repair_workout(workout, REQUEST)
    assert repaired.repairs == ()
    assert repaired.workout == workout


def test_an_exercise_on_missing_gear_is_swapped_for_one_of_the_same_pattern() -> None:
    workout = planned()
    index, old = next(
        (i, e) for i, e in enumerate(workout.exercises) if Equipment.DUMBBELLS in e.equipment
    )
    broken = changed(workout, index, name="Barbell bench press", equipment=[Equipment.BARBELL])
    assert validate_workout(broken, REQUEST) != []
    repaired = repair_workout(broken, REQUEST)
    assert [r.kind for r in repaired.repairs] == ["gear"]
    new = repaired.workout.exercises[index]
    entry = CATALOGUE.get(new.name)
    assert entry is not None and entry.equipment <= GEAR | {Equipment.BODYWEIGHT}
    assert entry.pattern == "push"  # a press for a press
    assert (new.sets, new.reps) == (old.sets, old.reps)
    assert validate_workout(repaired.workout, REQUEST) == []


def test_an_exercise_above_the_level_is_swapped() -> None:
    beginner = REQUEST.model_copy(
        update={"profile": Profile(equipment=GEAR, level=FitnessLevel.BEGINNER)}
    )
    workout = planned(beginner)
    hard = CATALOGUE.get("Archer push-up")
    assert hard is not None and hard.level is FitnessLevel.ADVANCED
    broken = changed(
        workout, 1, name=hard.name, equipment=[Equipment.BODYWEIGHT], weighted=False,
        target_weight=None, weight_unit=None,
    )  # fmt: skip
    repaired = repair_workout(broken, beginner)
    assert "level" in [r.kind for r in repaired.repairs]
    entry = CATALOGUE.get(repaired.workout.exercises[1].name)
    assert entry is not None and entry.level is FitnessLevel.BEGINNER
    assert entry.pattern == "push"


def test_the_duration_is_fitted_with_sets_then_rests_on_the_grid() -> None:
    workout = planned()
    long = workout.model_copy(
        update={"exercises": [e.model_copy(update={"sets": 8}) for e in workout.exercises]}
    )
    short = workout.model_copy(
        update={"exercises": [e.model_copy(update={"sets": 1}) for e in workout.exercises]}
    )
    for broken in (long, short):
        assert validate_workout(broken, REQUEST) != []
        repaired = repair_workout(broken, REQUEST)
        assert [r.kind for r in repaired.repairs] == ["duration"]
        assert abs(repaired.workout.estimated_minutes - 45) <= 0.1 * 45
        assert all(e.rest_seconds % REST_GRID == 0 for e in repaired.workout.exercises)
        assert all(2 <= e.sets <= 6 for e in repaired.workout.exercises)
        assert validate_workout(repaired.workout, REQUEST) == []


def test_rests_go_onto_the_grid_and_out_of_range_numbers_into_it() -> None:
    workout = changed(planned(), 0, rest_seconds=100)
    workout = changed(workout, 1, rest_seconds=400, sets=12)
    repaired = repair_workout(workout, REQUEST)
    found = {(r.kind, r.what.split(":")[0]) for r in repaired.repairs}
    assert ("rest", workout.exercises[0].name) in found
    assert ("rest", workout.exercises[1].name) in found
    assert ("sets", workout.exercises[1].name) in found
    assert repaired.workout.exercises[0].rest_seconds == 105
    assert repaired.workout.exercises[1].rest_seconds == 300
    assert repaired.workout.exercises[1].sets <= 10


def test_a_tabata_s_ten_seconds_stay() -> None:
    hiit = REQUEST.model_copy(update={"workout_type": WorkoutType.HIIT, "duration_min": 20})
    workout = planned(hiit)
    tabata = changed(workout, 0, reps="20s", rest_seconds=10, sets=8)
    repaired = repair_workout(tabata, hiit)
    assert repaired.workout.exercises[0].rest_seconds == 10


@pytest.mark.parametrize(
    ("fields", "expect"),
    [
        ({"target_weight": None}, {"weighted": True}),  # a catalogue move: its starting load
        ({"weight_unit": None}, {"weight_unit": Units.KG}),
        ({"target_weight": 45.0, "weight_unit": Units.LB}, {"target_weight": 20.0}),
        ({"weighted": False}, {"weighted": True}),  # a dumbbell move with a load is weighted
    ],
    ids=["no-load", "no-unit", "other-unit", "load-not-flagged"],
)
def test_weight_flags_are_made_to_agree(fields: dict[str, Any], expect: dict[str, Any]) -> None:
    workout = planned()
    index = next(i for i, e in enumerate(workout.exercises) if e.weighted)
    broken = changed(workout, index, **fields)
    assert validate_workout(broken, REQUEST) != []
    repaired = repair_workout(broken, REQUEST)
    assert [r.kind for r in repaired.repairs] == ["weight"]
    new = repaired.workout.exercises[index]
    for name, value in expect.items():
        assert getattr(new, name) == value
    assert new.target_weight is not None and new.weight_unit is Units.KG
    assert validate_workout(repaired.workout, REQUEST) == []


def test_a_load_on_a_bodyweight_move_is_dropped_and_an_unknown_loadless_move_unweighted() -> None:
    workout = planned()
    broken = changed(
        workout, 0, name="Wall sit of my own", equipment=[Equipment.BODYWEIGHT], weighted=False,
        target_weight=10.0, weight_unit=Units.KG,
    )  # fmt: skip
    broken = changed(
        broken, 1, name="Mystery press", equipment=[Equipment.DUMBBELLS], weighted=True,
        target_weight=None, weight_unit=None,
    )  # fmt: skip
    repaired = repair_workout(broken, REQUEST)
    first, second = repaired.workout.exercises[:2]
    assert (first.weighted, first.target_weight) == (False, None)
    assert (second.weighted, second.target_weight) == (False, None)
    assert [r.kind for r in repaired.repairs] == ["weight", "weight"]


def test_warm_up_and_cool_down_minutes_are_clamped() -> None:
    workout = planned()
    assert workout.warmup is not None and workout.cooldown is not None
    broken = workout.model_copy(
        update={
            "warmup": Block(minutes=35, items=workout.warmup.items),
            "cooldown": Block(minutes=0, items=[*workout.cooldown.items, *["Breathe"] * 14]),
        }
    )
    repaired = repair_workout(broken, REQUEST)
    assert "blocks" in [r.kind for r in repaired.repairs]
    assert (
        repaired.workout.warmup is not None and repaired.workout.warmup.minutes == 11
    )  # 1/4 of 45
    assert repaired.workout.cooldown is not None and repaired.workout.cooldown.minutes == 1
    assert len(repaired.workout.cooldown.items) == 12
    assert validate_workout(repaired.workout, REQUEST) == []  # the duration fitted after


def test_a_duplicate_and_too_many_exercises_are_dropped() -> None:
    workout = planned()
    extra = [workout.exercises[0]]
    many = [
        e.model_copy(update={"name": f"{e.name} {n}", "sets": 2})
        for n in range(5)
        for e in workout.exercises
    ]
    doubled = workout.model_copy(update={"exercises": [*workout.exercises, *extra]})
    assert "duplicate" in kinds(doubled)
    crowded = workout.model_copy(update={"exercises": many})
    assert len(crowded.exercises) > 22
    repaired = repair_workout(crowded, REQUEST)
    assert "count" in [r.kind for r in repaired.repairs]
    assert len(repaired.workout.exercises) == 22  # max(4, 45 // 2)


def test_missing_alternatives_are_topped_up_from_the_catalogue() -> None:
    workout = planned()
    broken = changed(workout, 0, alternatives=[workout.exercises[0].name])
    repaired = repair_workout(broken, REQUEST)
    assert [r.kind for r in repaired.repairs] == ["alternatives"]
    assert len(repaired.workout.exercises[0].alternatives) >= 2


def test_what_no_coach_can_fix_stays_broken() -> None:
    long = REQUEST.model_copy(update={"duration_min": 90})
    workout = planned(long)
    few = workout.model_copy(update={"exercises": workout.exercises[:3]})
    unsafe = changed(workout, next(i for i, e in enumerate(workout.exercises) if e.weighted),
                     target_weight=2000.0)  # fmt: skip
    for broken in (few, unsafe):
        assert validate_workout(repair_workout(broken, long).workout, long) != []


BREAKS = st.sampled_from(["gear", "sets", "rest", "unit", "noload", "warmup", "dup"])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), breaks=st.lists(BREAKS, min_size=1, max_size=4))
def test_a_workout_broken_in_fixable_ways_always_comes_out_valid(
    seed: int, breaks: list[str]
) -> None:
    rng = random.Random(seed)
    kind = rng.choice([WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT, WorkoutType.HIIT])
    request = REQUEST.model_copy(
        update={"workout_type": kind, "duration_min": rng.choice([20, 30, 45, 60, 90])}
    )
    workout = planned(request, seed)
    for what in breaks:
        i = rng.randrange(len(workout.exercises))
        ex: Exercise = workout.exercises[i]
        if what == "gear":
            workout = changed(workout, i, name="Barbell back squat", equipment=[Equipment.BARBELL])
        elif what == "sets":
            workout = changed(workout, i, sets=rng.choice([0, 9, 14]))
        elif what == "rest":
            workout = changed(workout, i, rest_seconds=rng.choice([7, 100, 350]))
        elif what == "unit" and ex.weighted:
            workout = changed(workout, i, weight_unit=None)
        elif what == "noload" and ex.weighted:
            workout = changed(workout, i, target_weight=None)
        elif what == "warmup" and workout.warmup is not None:
            workout = workout.model_copy(
                update={"warmup": Block(minutes=40, items=workout.warmup.items)}
            )
        elif what == "dup" and len(workout.exercises) > 2:
            workout = workout.model_copy(update={"exercises": [*workout.exercises, ex]})
    repaired = repair_workout(workout, request)
    assert validate_workout(repaired.workout, request) == []
    assert {r.kind for r in repaired.repairs} <= set(REPAIR_KINDS)
