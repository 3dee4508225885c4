"""Completed workouts with their sets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.workoutlogs import LoggedSet, log_workout, recent_logs
from tests.db.conftest import Seed
from tests.seed import save_plan


def test_log_with_sets_and_newest_first(sessions: sessionmaker[Session], seed: Seed) -> None:
    a, b = seed.user(20), seed.user(21)
    with sessions.begin() as s:
        plan_id = save_plan(s, seed.request(s, a, "k"), seed.workout(), "ai", "m").id
        log_workout(
            s,
            user_id=a,
            plan_id=plan_id,
            performed_at=dt.datetime(2026, 3, 1, 18, tzinfo=dt.UTC),
            rating="just_right",
            rpe=7.5,
            notes="felt good",
            sets=[
                LoggedSet("Back squat", 1, reps=8, weight_kg=60),
                LoggedSet("Back squat", 2, reps=6, weight_kg=62.5, rpe=8),
                LoggedSet("Plank", 1, duration_s=45),
            ],
        )
        log_workout(s, user_id=a, performed_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
        with pytest.raises(LookupError):  # b cannot log against a's plan
            log_workout(s, user_id=b, plan_id=plan_id)
    with sessions.begin() as s:
        logs = recent_logs(s, a)
        assert [log.performed_at.day for log in logs] == [3, 1]
        assert logs[0].sets == [] and logs[0].plan_id is None
        done = logs[1]
        assert (done.plan_id, done.rating, done.rpe, done.notes) == (
            plan_id,
            "just_right",
            7.5,
            "felt good",
        )
        assert [
            (x.exercise_name, x.set_number, x.reps, x.weight_kg, x.duration_s) for x in done.sets
        ] == [
            ("Back squat", 1, 8, 60.0, None),
            ("Back squat", 2, 6, 62.5, None),
            ("Plank", 1, None, None, 45),
        ]
        assert recent_logs(s, b) == []


def test_rating_is_checked_by_the_database(sessions: sessionmaker[Session], seed: Seed) -> None:
    uid = seed.user(22)
    with pytest.raises(IntegrityError, match="ck_workout_logs_rating"), sessions.begin() as s:
        log_workout(s, user_id=uid, rating="meh")  # type: ignore[arg-type]
