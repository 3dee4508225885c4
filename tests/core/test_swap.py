"""Swapping an exercise: the options fit equipment and type, the plan changes in place only."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalogue import load_catalogue
from core.domain import Equipment, FitnessLevel, Units, WorkoutType
from core.models import Block, Exercise, Profile, Workout, WorkoutRequest
from core.render import weight_in
from core.rulebased import generate_rule_based
from core.swap import SwapError, equipment_in_name, swap_exercise, swap_options

CATALOGUE = load_catalogue()
GYM = frozenset({Equipment.BARBELL, Equipment.DUMBBELLS, Equipment.BENCH})
DUMBBELLS = frozenset({Equipment.DUMBBELLS, Equipment.BENCH})


def exercise(name: str, **changes: object) -> Exercise:
    entry = CATALOGUE.get(name)
    assert entry is not None, name
    fields: dict[str, object] = {
        "name": entry.name,
        "sets": 4,
        "reps": "6-8",
        "rest_seconds": 120,
        "instructions": entry.instructions,
        "equipment": sorted(entry.equipment),
        "weighted": entry.weighted,
        "target_weight": 60.0 if entry.weighted else None,
        "weight_unit": Units.KG if entry.weighted else None,
        "alternatives": list(entry.alternatives),
    }
    fields.update(changes)
    return Exercise.model_validate(fields)


def workout(*exercises: Exercise) -> Workout:
    return Workout(
        title="Test",
        intro="Go.",
        warmup=Block(minutes=5, items=["Arm circles"]),
        exercises=list(exercises),
        cooldown=Block(minutes=3, items=["Walk"]),
        outro="Done.",
    )


PLAN = workout(
    exercise("Barbell bench press"),
    exercise("Barbell back squat", target_weight=100.0),
    exercise("Push-up", reps="10-15", rest_seconds=60),
)


def test_options_fit_equipment_and_type_and_skip_what_the_plan_has() -> None:
    options = swap_options(PLAN, 0, workout_type=WorkoutType.STRENGTH, equipment=DUMBBELLS)
    assert options[0] == "Dumbbell bench press"  # the exercise's own alternative first
    assert "Push-up" not in options  # already in the plan
    assert "Machine chest press" not in options  # no machines
    assert 2 <= len(options) <= 6
    for name in options:
        entry = CATALOGUE.get(name)
        assert entry is not None
        assert entry.equipment <= DUMBBELLS | {Equipment.BODYWEIGHT}
        assert WorkoutType.STRENGTH in entry.types
    # Same main muscle first: the first look-alikes work the chest.
    look_alikes = [CATALOGUE.get(n) for n in options[1:3]]
    assert all(e is not None and "chest" in e.muscles for e in look_alikes)


def swap(
    plan: Workout,
    index: int,
    name: str,
    units: Units = Units.KG,
    *,
    kind: WorkoutType = WorkoutType.STRENGTH,
    equipment: frozenset[Equipment] = GYM,
    level: FitnessLevel = FitnessLevel.INTERMEDIATE,
) -> Workout:
    """swap_exercise in a strength workout for an intermediate with the gym's equipment, but
    for what is given."""
    return swap_exercise(
        plan, index, name, workout_type=kind, equipment=equipment, level=level, units=units
    )


def test_no_such_exercise() -> None:
    with pytest.raises(SwapError):
        swap_options(PLAN, 3, workout_type=WorkoutType.STRENGTH, equipment=GYM)
    with pytest.raises(SwapError):
        swap(PLAN, 0, "Leg press", equipment=DUMBBELLS)


def test_swap_replaces_in_place_with_the_same_scheme() -> None:
    after = swap(PLAN, 0, "Dumbbell bench press")
    assert [e.name for e in after.exercises] == ["Dumbbell bench press", *PLAN.exercise_names[1:]]
    new, old = after.exercises[0], PLAN.exercises[0]
    assert (new.sets, new.reps, new.rest_seconds) == (old.sets, old.reps, old.rest_seconds)
    assert new.equipment == [Equipment.BENCH, Equipment.DUMBBELLS]
    # Barbell 60 kg -> dumbbells per hand: 40% of it, on the 2.5 kg step.
    assert new.weighted and new.target_weight == 25.0 and new.weight_unit is Units.KG
    assert new.alternatives[0] == "Barbell bench press" and len(new.alternatives) >= 2
    assert after.exercises[1:] == PLAN.exercises[1:]
    assert (after.title, after.warmup, after.cooldown) == (PLAN.title, PLAN.warmup, PLAN.cooldown)
    assert after.estimated_minutes == pytest.approx(PLAN.estimated_minutes)
    assert PLAN.exercises[0].name == "Barbell bench press"  # the original is untouched


def test_weight_to_bodyweight_and_back() -> None:
    to_bodyweight = swap(workout(exercise("Barbell bench press")), 0, "Push-up")
    push_up = to_bodyweight.exercises[0]
    assert not push_up.weighted and push_up.target_weight is None and push_up.weight_unit is None
    assert push_up.equipment == [Equipment.BODYWEIGHT]
    # A bodyweight move of another workout type is not offered in a strength workout.
    assert "Bodyweight squat" not in swap_options(
        PLAN, 1, workout_type=WorkoutType.STRENGTH, equipment=GYM
    )
    # From bodyweight to a loaded lift: the generator's starting load for the level.
    back = swap(PLAN, 2, "Dumbbell bench press")
    assert (
        back.exercises[2].weighted and back.exercises[2].target_weight == 20.0
    )  # intermediate: 70 kg x 0.75 (a bench press) x 0.4 (a dumbbell) = 21 kg, on the step


def test_lb_weights_stay_on_the_lb_step() -> None:
    plan = workout(exercise("Barbell bench press", target_weight=135.0, weight_unit=Units.LB))
    after = swap(plan, 0, "Dumbbell bench press", Units.LB)
    new = after.exercises[0]
    assert new.weight_unit is Units.LB and new.target_weight == 55.0  # 135 x 0.4 = 54 -> 55
    # A kg plan shown to a lb user: 60 kg shows as 130 lb, carried over in lb.
    assert weight_in(PLAN.exercises[0], Units.LB) == 130.0
    after = swap(PLAN, 0, "Dumbbell bench press", Units.LB)
    assert after.exercises[0].target_weight == 50.0  # 130 x 0.4 = 52 -> 50


def test_an_ai_alternative_outside_the_catalogue() -> None:
    plan = workout(
        exercise("Barbell bench press", alternatives=["Floor press with dumbbells", "Cable fly"])
    )
    options = swap_options(plan, 0, workout_type=WorkoutType.STRENGTH, equipment=DUMBBELLS)
    assert options[0] == "Floor press with dumbbells" and "Cable fly" not in options
    after = swap(
        plan, 0, "Floor press with dumbbells", equipment=DUMBBELLS, level=FitnessLevel.BEGINNER
    )
    new = after.exercises[0]
    assert new.equipment == [Equipment.DUMBBELLS] and new.target_weight == 25.0
    assert "Barbell bench press" in new.alternatives and new.instructions


@pytest.mark.parametrize(
    ("name", "gear"),
    [
        ("Dumbbell row", {Equipment.DUMBBELLS}),
        ("Band pull-apart", {Equipment.RESISTANCE_BANDS}),
        ("Pull-up", {Equipment.PULL_UP_BAR}),
        ("Jumping jacks", {Equipment.BODYWEIGHT}),
        ("Cable crossover", {Equipment.CABLE_MACHINE}),
    ],
)
def test_equipment_in_name(name: str, gear: set[Equipment]) -> None:
    assert equipment_in_name(name) == gear


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(WorkoutType)),
    st.sets(st.sampled_from(list(Equipment))),
    st.sampled_from(list(Units)),
    st.integers(min_value=0, max_value=2**32),
    st.integers(min_value=0, max_value=20),
)
def test_every_option_of_a_generated_plan_swaps_cleanly(
    kind: WorkoutType, gear: set[Equipment], units: Units, seed: int, pick: int
) -> None:
    equipment = frozenset(gear) | {Equipment.BODYWEIGHT}
    request = WorkoutRequest(
        coach="MAX",
        workout_type=kind,
        duration_min=30,
        equipment=equipment,
        profile=Profile(units=units),
    )
    plan = generate_rule_based(request, random.Random(seed))
    index = pick % len(plan.exercises)
    options = swap_options(plan, index, workout_type=kind, equipment=equipment)
    assert options, "there is always something to swap to"
    name = options[pick % len(options)]
    after = swap(plan, index, name, units, kind=kind, equipment=equipment)
    new = after.exercises[index]
    assert new.name == name and len(after.exercises) == len(plan.exercises)
    assert set(new.equipment) <= equipment
    assert len({e.name.lower() for e in after.exercises}) == len(after.exercises)
    assert (new.weight_unit is None) == (new.target_weight is None) == (not new.weighted)
    if new.target_weight is not None:
        assert new.target_weight > 0 and new.weight_unit is units


def test_a_thrusters_swaps_squat_and_press() -> None:
    """Ranked by pattern and all the muscles worked: a squat-and-press complex is swapped
    for other moves that drive with the legs and press overhead, not only for presses."""
    options = swap_options(
        workout(exercise("Thruster")), 0, workout_type=WorkoutType.STRENGTH, equipment=GYM
    )
    assert options[:2] == ["Dumbbell thruster", "Push press"]
    for name in options[:3]:
        entry = CATALOGUE.get(name)
        assert entry is not None
        assert set(entry.muscles) & {"legs", "quads", "glutes", "hamstrings"}, name
        assert "shoulders" in entry.muscles, name


def test_swaps_never_need_gear_the_user_cannot_have() -> None:
    gear = frozenset(Equipment) - {Equipment.BODYWEIGHT}
    for name in ("Plank", "Burpee", "Barbell back squat", "Farmer's carry"):
        plan = workout(exercise(name))
        for kind in WorkoutType:
            for option in swap_options(plan, 0, workout_type=kind, equipment=gear):
                entry = CATALOGUE.get(option)
                assert entry is None or not entry.needs, option


def test_swap_finds_an_ai_name_by_its_loose_spelling() -> None:
    """An AI's "Barbell Back Squats" is the catalogue's squat: its look-alikes are squats."""
    plan = workout(
        exercise("Barbell back squat").model_copy(
            update={"name": "Barbell Back Squats", "alternatives": []}
        )
    )
    options = swap_options(plan, 0, workout_type=WorkoutType.STRENGTH, equipment=GYM)
    patterns = [e.pattern for n in options[:4] if (e := CATALOGUE.get(n)) is not None]
    assert patterns == ["squat"] * 4
