"""The live session's state machine (core/live.py): pure, every transition checked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import Equipment, Units
from core.live import (
    LiveError,
    LiveState,
    adjust,
    done_set,
    finish,
    next_set,
    render_live,
    rest_over_text,
    skip_exercise,
    start,
)
from core.models import Exercise, Workout
from core.rulebased import KETTLEBELLS


def exercise(name: str, sets: int, reps: str, weight: float | None, gear: Equipment) -> Exercise:
    return Exercise(
        name=name,
        sets=sets,
        reps=reps,
        rest_seconds=90,
        instructions="Move well.",
        equipment=[gear],
        weighted=weight is not None,
        target_weight=weight,
        weight_unit=Units.KG if weight is not None else None,
        alternatives=["A", "B"],
    )


WORKOUT = Workout(
    title="Push <day> & more",
    intro="Go.",
    exercises=[
        exercise("Barbell bench press", 3, "6-8", 60, Equipment.BARBELL),
        exercise("Kettlebell swing", 2, "12", 16, Equipment.KETTLEBELL),
        exercise("Plank", 2, "30s", None, Equipment.BODYWEIGHT),
    ],
)


def test_a_set_aims_at_the_top_of_its_range_and_logs_what_was_done() -> None:
    state = start(WORKOUT, Units.KG)
    assert (state.exercise, state.set_number, state.reps, state.weight) == (0, 1, 8, 60)
    state = adjust(state, "reps", -1)
    after, done = done_set(state)
    assert (done.reps, done.weight_kg) == (7, 60)
    assert (after.phase, after.rest_s, after.sets_done) == ("rest", 90, 1)
    after = next_set(after)
    assert (after.set_number, after.reps, after.phase) == (2, 7, "set")  # today's 7 carries


def test_the_rest_after_the_last_set_leads_to_the_next_exercise_at_its_own_target() -> None:
    state = start(WORKOUT, Units.KG)
    for _ in range(3):
        state, _ = done_set(state)
        state = next_set(state)
    assert (state.exercise, state.set_number, state.reps, state.weight) == (1, 1, 12, 16)


def test_kettlebells_step_bell_to_bell_and_barbells_by_the_plate() -> None:
    state = start(WORKOUT, Units.KG)
    assert adjust(state, "weight", 1).weight == 62.5
    state = skip_exercise(state)
    assert adjust(state, "weight", 1).weight == 20  # the next bell, not 18.5
    assert adjust(state, "weight", -1).weight == 12
    top = state
    for _ in range(20):
        top = adjust(top, "weight", 1)
    assert top.weight == max(KETTLEBELLS[Units.KG])


def test_a_timed_set_moves_by_five_seconds_and_has_no_load() -> None:
    state = skip_exercise(skip_exercise(start(WORKOUT, Units.KG)))
    assert (state.seconds, state.reps) == (30, None)
    assert adjust(state, "reps", 1).seconds == 35
    with pytest.raises(LiveError):
        adjust(state, "weight", 1)
    state, done = done_set(state)
    assert (done.duration_s, done.reps, done.weight_kg) == (30, None, None)


def test_the_last_set_finishes_and_nothing_applies_after() -> None:
    state = skip_exercise(skip_exercise(start(WORKOUT, Units.KG)))
    state, _ = done_set(state)
    state = next_set(state)
    state, _ = done_set(state)
    assert state.phase == "finished"
    for move in (done_set, next_set, skip_exercise, finish):
        with pytest.raises(LiveError):
            move(state)  # type: ignore[operator]


def test_lb_users_see_and_step_in_lb_and_log_kg() -> None:
    state = start(WORKOUT, Units.LB)
    assert state.weight == 130  # 60 kg shown in lb, on the 5 lb grid
    state = adjust(state, "weight", 1)
    assert state.weight == 135
    _, done = done_set(state)
    assert done.weight_kg == pytest.approx(135 / Units.LB.per_kg, abs=0.001)


def test_the_message_escapes_names_and_the_ring_names_the_next_set() -> None:
    state = start(WORKOUT, Units.KG)
    html = render_live(state, WORKOUT.title)
    assert "Push &lt;day&gt; &amp; more" in html and "<day>" not in html
    state, _ = done_set(state)
    assert "Rest 1 min 30 s" in render_live(state, WORKOUT.title)
    state = next_set(state)
    assert rest_over_text(state) == "Rest over: set 2 of 3, Barbell bench press, 60 kg × 8"


ACTIONS = st.sampled_from(["d", "nx", "sk", "x", "rp", "rm", "wp", "wm"])


@settings(max_examples=200, deadline=None)
@given(st.lists(ACTIONS, max_size=40), st.sampled_from(list(Units)))
def test_any_taps_keep_the_session_sound(actions: list[str], units: Units) -> None:
    state = start(WORKOUT, units)
    logged = 0
    for action in actions:
        before = state.step
        try:
            if action == "d":
                state, _ = done_set(state)
                logged += 1
            elif action == "nx":
                state = next_set(state)
            elif action == "sk":
                state = skip_exercise(state)
            elif action == "x":
                state = finish(state)
            else:
                state = adjust(
                    state, "reps" if action[0] == "r" else "weight", 1 if action[1] == "p" else -1
                )
        except LiveError:
            assert state.step == before
            continue
        assert state.step == before + 1
        assert state == LiveState.from_data(state.to_data())
        assert state.sets_done == logged <= state.total_sets
        if state.phase != "finished":
            assert 1 <= state.set_number <= state.current.sets
            assert state.weight is None or state.weight > 0
            if Equipment.KETTLEBELL.value in state.current.equipment:
                assert state.weight in KETTLEBELLS[units]
