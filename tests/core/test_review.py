"""core.review: done against planned, volume, records of the week, and what changes next
week (a deload after a stall, a weekday missed again and again), in the user's unit."""

from __future__ import annotations

import datetime as dt
import random

from core.coaches import coach_by_key
from core.domain import Units
from core.models import ExerciseTarget
from core.progress import LoggedSession, SetDone
from core.review import PlannedDay, compose_review, render_review

UTC = dt.UTC
START = dt.datetime(2026, 11, 30, tzinfo=UTC)  # Monday
END = dt.datetime(2026, 12, 6, 19, tzinfo=UTC)  # Sunday evening


def session(day: int, *sets: SetDone) -> LoggedSession:
    return LoggedSession(START + dt.timedelta(days=day, hours=8), sets)


def test_a_stalled_lift_is_deloaded_and_a_slipping_day_named() -> None:
    bench = SetDone("Bench press", 5, 80.0)
    logged = [
        session(-14, SetDone("Bench press", 5, 85.0)),  # the record is older than this week
        session(0, bench, bench),
        session(2, SetDone("Goblet squat", 10, 24.0)),
        session(9),  # after the week: not counted
    ]
    week = [
        PlannedDay(dt.date(2026, 11, 30), "started"),
        PlannedDay(dt.date(2026, 12, 2), "reminded"),
        PlannedDay(dt.date(2026, 12, 4), "missed"),
    ]
    history = [PlannedDay(dt.date(2026, 11, 27), "skipped")]  # a Friday too
    more = {"rep_low": 5, "rep_high": 8, "last_date": dt.date(2026, 11, 30), "sessions": 3}
    targets = [
        ExerciseTarget(
            name="Bench press",
            action="deload",
            weight_kg=72.5,
            last_weight_kg=80,
            last_reps=(5, 5),
            **more,
        ),
        ExerciseTarget(
            name="Goblet squat",
            action="increase",
            weight_kg=26,
            last_weight_kg=24,
            last_reps=(10,),
            **more,
        ),
    ]
    review = compose_review(START, END, week, logged, targets, history)
    assert (review.planned, review.done) == (3, 2)
    assert review.volume_kg == 80 * 5 * 2 + 24 * 10
    assert review.records == (("Goblet squat", 24.0, 10),)
    assert review.missed_days == ("Fri",) and review.repeated_miss == "Fri"
    text = render_review(review, coach_by_key("SAGE"), Units.LB, random.Random(1))
    print(text)
    assert "Sessions: 2 of 3 planned" in text
    assert "Volume: 2293 lb lifted" in text  # 1040 kg
    assert "Bench press: deload to 160 lb, it stalled." in text
    assert "Goblet squat: up to 57.5 lb" in text
    assert "Fri keeps slipping: move it with /plan" in text
    assert "<script>" not in render_review(
        compose_review(START, END, week, [session(1, SetDone("<script>", 5, 10.0))], [], ()),
        coach_by_key("MAX"),
        Units.KG,
        random.Random(1),
    )
