"""The norm table (core/norms.py) and the warm-up pieces (core/sessions.py), unit by unit."""

from __future__ import annotations

import re

import pytest

from core.catalogue import PATTERNS, CatalogueError, load_catalogue, load_catalogue_from
from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.norms import (
    REST_GRID,
    TABATA,
    exercise_range,
    full_body_patterns,
    interval_for,
    main_dose,
    role_dose,
)
from core.sessions import EMPTY_BAR, ramp_up, warmup_items
from core.validation import exercise_count_bounds

LEVELS = list(FitnessLevel)
ROLES = ("main", "accessory", "isolation", "core", "carry")


def test_a_45_minute_strength_session_has_four_to_six_exercises() -> None:
    assert exercise_range(WorkoutType.STRENGTH, 45) == (4, 6)


@pytest.mark.parametrize("kind", list(WorkoutType))
def test_the_norm_stays_inside_what_validation_accepts_and_never_balloons(
    kind: WorkoutType,
) -> None:
    for minutes in range(10, 181):
        low, high = exercise_range(kind, minutes)
        floor, ceiling = exercise_count_bounds(minutes)
        assert floor <= low <= high <= ceiling, (kind, minutes)
        assert high <= 14, (kind, minutes)  # long sessions get sets and rounds, not exercises


def test_a_90_minute_mobility_session_is_not_36_exercises() -> None:
    assert exercise_range(WorkoutType.MOBILITY, 90)[1] <= 12


def test_full_body_patterns_from_40_minutes_and_core_from_45() -> None:
    assert full_body_patterns(WorkoutType.STRENGTH, 39) == ()
    forty = full_body_patterns(WorkoutType.BODYWEIGHT, 40)
    assert [sorted(p) for p in forty] == [["lunge", "squat"], ["push"], ["hinge"], ["pull"]]
    assert frozenset({"core"}) in full_body_patterns(WorkoutType.STRENGTH, 45)
    assert full_body_patterns(WorkoutType.HIIT, 60) == ()


def _low_reps(reps: str) -> int:
    match = re.match(r"(\d+)", reps)
    assert match, reps
    return int(match.group(1))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("kind", [WorkoutType.STRENGTH, WorkoutType.BODYWEIGHT])
def test_isolation_never_six_reps_or_fewer_nor_two_minutes_of_rest(
    level: FitnessLevel, kind: WorkoutType
) -> None:
    dose = role_dose("isolation", level, kind)
    assert _low_reps(dose.reps) > 6
    assert dose.rest_high < 120


@pytest.mark.parametrize("level", LEVELS)
def test_accessories_get_more_reps_and_less_rest_than_the_heavy_main_lifts(
    level: FitnessLevel,
) -> None:
    main = main_dose(level, frozenset({Goal.STRENGTH}), heavy=True)
    accessory = role_dose("accessory", level, WorkoutType.STRENGTH)
    assert _low_reps(accessory.reps) >= _low_reps(main.reps)
    assert accessory.rest < main.rest
    assert accessory.rest_high <= main.rest_high


def test_the_heavy_scheme_is_heavier_as_the_level_rises() -> None:
    lows = [_low_reps(main_dose(lv, frozenset(), heavy=True).reps) for lv in LEVELS]
    assert lows == sorted(lows, reverse=True)
    assert lows[-1] >= 4  # not below the 4 the norm table allows


def test_every_rest_of_every_dose_is_on_the_grid() -> None:
    goals = [frozenset(), frozenset({Goal.MUSCLE_GAIN}), frozenset({Goal.STRENGTH})]
    doses = [main_dose(lv, g, h) for lv in LEVELS for g in goals for h in (True, False)]
    doses += [
        role_dose(role, lv, kind)  # type: ignore[arg-type]  # ROLES holds Role literals
        for role in ROLES
        for lv in LEVELS
        for kind in WorkoutType
    ]
    for dose in doses:
        for rest in (dose.rest, dose.rest_low, dose.rest_high):
            assert rest % REST_GRID == 0, dose
        assert dose.rest_low <= dose.rest <= dose.rest_high
        assert dose.sets_low <= dose.sets <= dose.sets_high <= 10


def test_a_tabata_is_exactly_eight_rounds_of_20_on_10_off() -> None:
    assert (TABATA.rounds, TABATA.work, TABATA.rest) == (8, 20, 10)


@pytest.mark.parametrize("long", [False, True])
def test_intervals_rest_on_the_grid_and_work_grows_with_the_level(long: bool) -> None:
    intervals = [interval_for(lv, long=long) for lv in LEVELS]
    for iv in intervals:
        assert iv.rest % REST_GRID == 0
        assert iv.work % 5 == 0
    ratios = [iv.work / iv.rest for iv in intervals]
    assert ratios == sorted(ratios)


@pytest.mark.parametrize(("units", "weight"), [(Units.KG, 100.0), (Units.LB, 225.0)])
def test_barbell_ramp_up_starts_with_the_empty_bar_and_climbs_below_the_working_weight(
    units: Units, weight: float
) -> None:
    entry = load_catalogue().get("Barbell back squat")
    assert entry is not None
    text = ramp_up(entry, weight, units)
    assert text is not None
    assert text.startswith("Barbell back squat: empty bar × 10")
    loads = [float(x) for x in re.findall(rf"([\d.]+) {units.value} ×", text)]
    assert loads == sorted(loads) and len(loads) == 2
    assert all(EMPTY_BAR[units] < w < weight and w % units.step == 0 for w in loads)


def test_dumbbell_ramp_up_is_in_the_users_unit_and_below_the_working_weight() -> None:
    entry = load_catalogue().get("Goblet squat")
    assert entry is not None
    text = ramp_up(entry, 40.0, Units.LB)
    assert text is not None and "bar" not in text
    loads = [float(x) for x in re.findall(r"([\d.]+) lb ×", text)]
    assert loads and all(0 < w < 40 for w in loads)


def test_a_bodyweight_user_warms_up_without_bands_or_bars() -> None:
    catalogue = load_catalogue()
    main = [e for n in ("Push-up", "Bodyweight squat") if (e := catalogue.get(n)) is not None]
    items = warmup_items(
        catalogue,
        WorkoutType.BODYWEIGHT,
        main,
        frozenset({Equipment.BODYWEIGHT}),
        FitnessLevel.BEGINNER,
        8,
        None,
    )
    text = " ".join(items).lower()
    assert "band" not in text and "bar" not in text and "light set" not in text
    assert not any(e.name.lower() in text for e in main)


def test_every_packaged_exercise_has_a_known_pattern() -> None:
    catalogue = load_catalogue()
    assert {e.pattern for e in catalogue.entries} <= PATTERNS
    assert {"squat", "lunge", "hinge", "push", "pull", "core"} <= {
        e.pattern for e in catalogue.entries
    }


def test_an_unknown_pattern_is_refused_with_the_entry_named() -> None:
    entry = (
        "- {name: %s, equipment: [bodyweight], muscles: [x], types: [strength], level: beginner,"
        " mode: reps, weighted: false, instructions: x, alternatives: [%s], pattern: %s}"
    )
    text = "\n".join(
        [
            entry % ("A", "B, C", "twerk"),
            entry % ("B", "A, C", "push"),
            entry % ("C", "A, B", "pull"),
        ]
    )
    with pytest.raises(CatalogueError, match=r"'A'.*twerk"):
        load_catalogue_from(text)


def test_alternatives_stay_within_the_level_and_out_of_the_session() -> None:
    catalogue = load_catalogue()
    gear = frozenset({Equipment.DUMBBELLS, Equipment.BARBELL, Equipment.BENCH})
    for entry in catalogue.entries:
        found = catalogue.alternatives_for(
            entry.name, gear, FitnessLevel.BEGINNER, exclude=frozenset({"goblet squat"})
        )
        assert len(found) >= 2, entry.name
        for name in found:
            alt = catalogue.get(name)
            assert alt is not None and alt.level is FitnessLevel.BEGINNER
            assert alt.name != "Goblet squat"
