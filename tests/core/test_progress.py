"""Progress from the log: weeks, streak, volume, records, main lifts (numbers by hand)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import Units
from core.progress import (
    LoggedSession,
    SetDone,
    compute_progress,
    estimated_1rm,
    in_units,
    week_start,
)

TODAY = dt.date(2026, 3, 18)  # a Wednesday; its week starts Monday 16 March


def at(day: dt.date, hour: int = 18) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def weeks_ago(n: int, weekday: int = 0) -> dt.date:
    return week_start(TODAY) - dt.timedelta(weeks=n) + dt.timedelta(days=weekday)


def session(day: dt.date, *sets: tuple[str, int | None, float | None]) -> LoggedSession:
    return LoggedSession(at(day), tuple(SetDone(name, reps, kg) for name, reps, kg in sets))


def test_week_start_is_monday() -> None:
    assert week_start(dt.date(2026, 3, 16)) == dt.date(2026, 3, 16)
    assert week_start(dt.date(2026, 3, 22)) == dt.date(2026, 3, 16)  # Sunday
    assert week_start(dt.date(2026, 3, 23)) == dt.date(2026, 3, 23)


def test_no_sessions() -> None:
    progress = compute_progress([], TODAY)
    assert len(progress.weeks) == 12
    assert progress.weeks[-1].start == dt.date(2026, 3, 16)
    assert progress.weeks[0].start == dt.date(2025, 12, 29)
    assert progress.streak_weeks == 0 and progress.total_sessions == 0
    assert progress.records == () and progress.lifts == ()
    assert progress.window_sessions == 0 and progress.window_volume_kg == 0


def test_weekly_sessions_and_volume() -> None:
    progress = compute_progress(
        [
            session(weeks_ago(0), ("Squat", 5, 100), ("Squat", 5, 100), ("Plank", None, None)),
            session(weeks_ago(0, 2), ("Push-up", 20, None)),  # bodyweight: no volume
            session(weeks_ago(1, 6), ("Bench", 8, 60)),  # last week's Sunday
            session(weeks_ago(12), ("Squat", 5, 200)),  # before the window
        ],
        TODAY,
    )
    assert (progress.this_week.sessions, progress.this_week.volume_kg) == (2, 1000)
    assert (progress.last_week.sessions, progress.last_week.volume_kg) == (1, 480)
    assert progress.window_sessions == 3 and progress.window_volume_kg == 1480
    assert progress.total_sessions == 4


def test_midnight_utc_decides_the_week() -> None:
    sunday_late = dt.datetime(2026, 3, 15, 23, 59, tzinfo=dt.UTC)
    monday_early_elsewhere = dt.datetime(
        2026, 3, 16, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))
    )
    progress = compute_progress(
        [LoggedSession(sunday_late), LoggedSession(monday_early_elsewhere)], TODAY
    )
    assert progress.last_week.sessions == 2 and progress.this_week.sessions == 0


@pytest.mark.parametrize(
    ("weeks_with_sessions", "streak"),
    [
        ([0, 1, 2], 3),
        ([1, 2, 3], 3),  # this week not over yet: the streak runs through last week
        ([0, 2, 3], 1),
        ([2, 3, 4], 0),  # last week missed
        ([0], 1),
        ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 14),  # longer than the window
    ],
)
def test_streak_in_weeks(weeks_with_sessions: list[int], streak: int) -> None:
    sessions = [LoggedSession(at(weeks_ago(n, 3))) for n in weeks_with_sessions]
    sessions += [LoggedSession(at(weeks_ago(n, 4))) for n in weeks_with_sessions]  # two a week
    assert compute_progress(sessions, TODAY).streak_weeks == streak


def test_estimated_1rm() -> None:
    assert estimated_1rm(100, 1) == 100
    assert estimated_1rm(100, 3) == pytest.approx(110)
    assert estimated_1rm(60, 12) == pytest.approx(84)
    assert estimated_1rm(60, 13) is None
    assert estimated_1rm(60, 0) is None
    assert estimated_1rm(0, 5) is None


def test_personal_records() -> None:
    progress = compute_progress(
        [
            session(weeks_ago(20), ("Back squat", 3, 100), ("Back squat", 10, 80)),
            session(weeks_ago(3), ("back squat ", 2, 100), ("Back Squat", 15, 90)),
            session(weeks_ago(1), ("Back Squat", 1, 105), ("Pull-up", 8, None)),
            session(weeks_ago(0), ("Pull-up", 12, None), ("Pull-up", 10, None)),
            session(weeks_ago(0, 1), ("Plank", None, None), ("Plank", None, 0)),
        ],
        TODAY,
    )
    squat, pullup = progress.records  # timed sets only (Plank) hold no record
    assert squat.exercise == "Back Squat"  # as last written
    assert squat.sessions == 3
    assert (squat.weight_kg, squat.reps, squat.on) == (105, 1, weeks_ago(1))
    # 100 x 3 = 110 beats 80 x 10 = 106.7 and 105 x 1; 90 x 15 is too many reps to count.
    assert squat.e1rm_kg == pytest.approx(110) and squat.e1rm_on == weeks_ago(20)
    assert pullup.exercise == "Pull-up" and pullup.sessions == 2
    assert (pullup.weight_kg, pullup.reps, pullup.on, pullup.e1rm_kg) == (
        None,
        12,
        weeks_ago(0),
        None,
    )


def test_heaviest_ties_go_to_more_reps_then_the_first_time() -> None:
    progress = compute_progress(
        [
            session(weeks_ago(3), ("Deadlift", 3, 140)),
            session(weeks_ago(2), ("Deadlift", 5, 140)),
            session(weeks_ago(1), ("Deadlift", 5, 140)),
        ],
        TODAY,
    )
    [record] = progress.records
    assert (record.weight_kg, record.reps, record.on) == (140, 5, weeks_ago(2))


def test_main_lifts_top_set_per_week() -> None:
    sessions = [
        session(weeks_ago(2), ("Squat", 5, 100), ("Squat", 3, 110), ("Bench", 5, 70)),
        session(weeks_ago(2, 2), ("Squat", 5, 105)),
        session(weeks_ago(0), ("Squat", 5, 115), ("Bench", 5, 72.5), ("Row", 8, 60)),
        session(weeks_ago(0, 1), ("Curl", 10, 15), ("Push-up", 20, None)),
        session(weeks_ago(0, 2), ("Curl", 10, 16), ("Push-up", 20, None)),
        session(weeks_ago(15), ("Row", 8, 50), ("Row", 8, 50)),  # outside the window
    ]
    progress = compute_progress(sessions, TODAY)
    names = [lift.exercise for lift in progress.lifts]
    # Squat 3 sessions; Bench 2, Curl 2 (Curl last done later); Row 1 in the window.
    assert names == ["Squat", "Curl", "Bench"]
    squat = progress.lifts[0]
    assert len(squat.top_kg) == 12
    assert squat.top_kg[-1] == 115 and squat.top_kg[-3] == 110
    assert squat.top_kg.count(None) == 10


def test_in_units() -> None:
    assert in_units(100, Units.KG) == 100
    assert in_units(100, Units.LB) == pytest.approx(220.462)


def test_window_of_other_length() -> None:
    progress = compute_progress([session(weeks_ago(7), ("Squat", 5, 100))], TODAY, weeks=8)
    assert len(progress.weeks) == 8 and progress.weeks[0].sessions == 1
    with pytest.raises(ValueError, match="last week"):
        compute_progress([], TODAY, weeks=1)
