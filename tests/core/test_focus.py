"""A split's day (issue 14's splits, issue 12 item 1): the rule-based generator trains the
day's patterns and keeps to its muscles, on any gear, level and length."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalogue import load_catalogue
from core.domain import Equipment, FitnessLevel, Focus, WorkoutType
from core.models import Profile, WorkoutRequest
from core.norms import focus_patterns, on_focus
from core.prompt import build_prompt, read_request_data
from core.rulebased import generate_rule_based

SPLIT_DAYS = [f for f in Focus if f is not Focus.FULL_BODY]
GYM = frozenset({Equipment.BARBELL, Equipment.DUMBBELLS, Equipment.BENCH, Equipment.PULL_UP_BAR})


def request(focus: Focus | None, **changes: object) -> WorkoutRequest:
    base = WorkoutRequest(
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        equipment=GYM,
        profile=Profile(level=FitnessLevel.INTERMEDIATE),
        focus=focus,
    )
    return base.model_copy(update=changes)


@settings(max_examples=150, deadline=None)
@given(
    focus=st.sampled_from(SPLIT_DAYS),
    minutes=st.integers(20, 120),
    level=st.sampled_from(list(FitnessLevel)),
    gear=st.frozensets(st.sampled_from([e for e in Equipment if e is not Equipment.BODYWEIGHT])),
    seed=st.integers(0, 10**6),
)
def test_a_split_day_keeps_to_its_muscles(
    focus: Focus, minutes: int, level: FitnessLevel, gear: frozenset[Equipment], seed: int
) -> None:
    catalogue = load_catalogue()
    workout = generate_rule_based(
        request(focus, duration_min=minutes, equipment=gear, profile=Profile(level=level)),
        random.Random(seed),
    )
    for e in workout.exercises:
        entry = catalogue.get(e.name)
        assert entry is not None, e.name
        assert on_focus(focus, entry.muscles), (focus, e.name, entry.muscles)
    assert workout.title.startswith(f"{focus.label}: ")


def test_with_the_gear_for_it_a_split_day_has_its_patterns() -> None:
    catalogue = load_catalogue()
    for focus in SPLIT_DAYS:
        for seed in range(20):
            workout = generate_rule_based(request(focus), random.Random(seed))
            patterns = {catalogue.get(e.name).pattern for e in workout.exercises}  # type: ignore[union-attr]
            for needed in focus_patterns(focus, 45):
                assert patterns & needed, (focus, seed, needed, patterns)


def test_upper_and_lower_days_share_only_core_and_full_body_is_unchanged() -> None:
    catalogue = load_catalogue()

    def lifts(workout: object) -> set[str]:
        return {
            e.name
            for e in workout.exercises  # type: ignore[attr-defined]
            if catalogue.get(e.name).pattern != "core"  # type: ignore[union-attr]
        }

    for seed in range(10):
        upper = generate_rule_based(request(Focus.UPPER), random.Random(seed))
        lower = generate_rule_based(request(Focus.LOWER), random.Random(seed))
        assert lifts(upper) and lifts(lower) and not lifts(upper) & lifts(lower)
        whole = generate_rule_based(request(None), random.Random(seed))
        assert generate_rule_based(request(Focus.FULL_BODY), random.Random(seed)) == whole


def test_the_prompt_names_the_focus_only_for_a_split_day() -> None:
    def data(focus: Focus | None) -> dict[str, object]:
        found = read_request_data(build_prompt(request(focus)).user)
        assert found is not None
        return found

    assert data(Focus.UPPER)["focus"] == "upper"
    assert "focus" not in data(None) and "focus" not in data(Focus.FULL_BODY)


def test_off_focus_muscles_are_refused() -> None:
    assert on_focus(Focus.PUSH, ("triceps",)) and not on_focus(Focus.PUSH, ("biceps",))
    assert on_focus(Focus.PULL, ("rear shoulders", "back")) and not on_focus(
        Focus.PUSH, ("rear shoulders",)
    )
    assert on_focus(Focus.LOWER, ("quadriceps",)) and not on_focus(Focus.UPPER, ("quads",))
    assert on_focus(Focus.UPPER, ("core",)) and on_focus(Focus.LEGS, ("abs",))
