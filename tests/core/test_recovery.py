"""The recovery model (core/recovery.py): fatigue from logged sets, decaying by the day."""

from __future__ import annotations

import datetime as dt

import pytest

from core.recovery import (
    CAPACITY,
    GROUPS,
    HALF_LIFE_H,
    TIRED,
    WINDOW,
    LoggedWork,
    group_of,
    logged_work,
    readiness,
    tired_groups,
)

NOW = dt.datetime(2026, 12, 3, 18, tzinfo=dt.UTC)


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def test_nothing_logged_is_fresh() -> None:
    assert readiness([], NOW) == dict.fromkeys(GROUPS, 100)
    assert tired_groups(readiness([], NOW)) == frozenset()


def test_a_hard_session_yesterday_halves_the_main_group_and_decays_by_the_day() -> None:
    work = [LoggedWork(("quads", "glutes"), int(CAPACITY), ago(HALF_LIFE_H))]
    assert readiness(work, NOW)["quads"] == 50
    assert readiness(work, NOW)["glutes"] == 75  # a secondary mover takes half
    assert readiness(work, NOW + dt.timedelta(hours=HALF_LIFE_H))["quads"] == 75
    assert readiness(work, NOW)["chest"] == 100
    assert tired_groups(readiness(work, NOW)) == {"quads"}
    assert readiness(work, NOW - dt.timedelta(hours=HALF_LIFE_H))["quads"] == 0


def test_sets_past_the_window_and_empty_sets_count_for_nothing() -> None:
    old = LoggedWork(("chest",), 30, NOW - WINDOW - dt.timedelta(minutes=1))
    none = LoggedWork(("back",), 0, ago(1))
    assert readiness([old, none], NOW) == dict.fromkeys(GROUPS, 100)


def test_a_group_named_twice_counts_once_and_odd_words_for_none() -> None:
    # "glutes, hips": one group; "full body" is no muscle.
    work = [LoggedWork(("full body", "glutes", "hips"), 4, NOW)]
    assert readiness(work, NOW)["glutes"] == 100 - round(100 * 4 / CAPACITY)
    assert group_of("full body") is None and group_of(" Quadriceps ") == "quads"


def test_light_work_yesterday_is_not_tired() -> None:
    work = [LoggedWork(("chest",), 3, ago(24))]
    assert readiness(work, NOW)["chest"] > TIRED


def test_logged_work_counts_sets_per_exercise_and_session_from_the_catalogue() -> None:
    sets = [("Barbell back squat", ago(2))] * 4 + [("barbell BACK squat", ago(50))] * 2
    sets += [("Something the AI made up", ago(2))] * 9
    work = sorted(logged_work(sets), key=lambda w: w.at)
    assert [(w.sets, w.at) for w in work] == [(2, ago(50)), (4, ago(2))]
    assert work[0].muscles[0] == "quads"


@pytest.mark.parametrize("hours", [0, 12, 36, 100])
def test_more_sets_never_leave_a_group_readier(hours: float) -> None:
    few = readiness([LoggedWork(("back",), 3, ago(hours))], NOW)["back"]
    many = readiness([LoggedWork(("back",), 6, ago(hours))], NOW)["back"]
    assert many <= few
