"""Reading the log for /progress and /export: one user's rows only, in order, streamed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from core.export import ExportRow
from core.progress import LoggedSession, SetDone
from db.progress import count_export_rows, export_rows, logged_sessions
from db.workoutlogs import LoggedSet, log_workout
from tests.db.conftest import Seed
from tests.seed import save_plan


def day(n: int, hour: int = 18) -> dt.datetime:
    return dt.datetime(2026, 3, n, hour, tzinfo=dt.UTC)


def test_sessions_and_rows_of_one_user(sessions: sessionmaker[Session], seed: Seed) -> None:
    a, b = seed.user(30), seed.user(31)
    with sessions.begin() as s:
        plan_id = save_plan(s, seed.request(s, a, "k"), seed.workout(), "ai", "m").id
        late = log_workout(
            s,
            user_id=a,
            plan_id=plan_id,
            performed_at=day(5),
            rating="too_hard",
            rpe=9,
            sets=[
                LoggedSet("Back squat", 1, reps=5, weight_kg=100, rpe=8.5),
                LoggedSet("Back squat", 2, reps=4, weight_kg=100),
                LoggedSet("Plank", 1, duration_s=60),
            ],
        )
        early = log_workout(s, user_id=a, performed_at=day(2))  # no sets: "as planned"
        log_workout(s, user_id=b, performed_at=day(3), sets=[LoggedSet("Secret lift", 1, 1, 300)])

    with sessions.begin() as s:
        assert logged_sessions(s, a) == [
            LoggedSession(day(2)),
            LoggedSession(
                day(5),
                (
                    SetDone("Back squat", 5, 100),
                    SetDone("Back squat", 4, 100),
                    SetDone("Plank", None, None),
                ),
            ),
        ]
        assert count_export_rows(s, a) == 4 and count_export_rows(s, b) == 1
        rows = list(export_rows(s, a))
        assert rows[0] == ExportRow(
            day(2), early.id, None, None, None, None, None, None, None, None, None
        )
        assert rows[1] == ExportRow(
            day(5), late.id, plan_id, "Back squat", 1, 5, 100.0, None, 8.5, 9.0, "too_hard"
        )
        assert [r.exercise for r in rows] == [None, "Back squat", "Back squat", "Plank"]
        assert [r.exercise for r in export_rows(s, a, skip=2)] == ["Back squat", "Plank"]
        assert logged_sessions(s, seed.user(32)) == []
        [secret] = export_rows(s, b)
        assert secret.exercise == "Secret lift"
