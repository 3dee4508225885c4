"""Loading what progression needs from the logs: one query, the user's own rows only."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Goal, Units
from core.models import Profile, Workout
from db.migrate import upgrade
from db.progression import load_logged_exercises, load_targets
from db.requests import to_generation_request
from db.session import create_db_engine, session_factory
from db.users import get_or_create_local_user, save_profile
from db.workoutlogs import LoggedSet, log_workout
from tests.db.conftest import Seed, build_workout
from tests.seed import save_plan

DAY = dt.datetime(2026, 4, 1, 18, tzinfo=dt.UTC)
STRENGTH = Profile(goals=(Goal.STRENGTH,))
"""Intermediate, strength: 5-8 reps when the plan gives no range."""


def plan_with_reps(reps: str) -> Workout:
    workout = build_workout(names=("Back squat", "Dumbbell curl"))
    exercises = [e.model_copy(update={"reps": reps}) for e in workout.exercises]
    return workout.model_copy(update={"exercises": exercises})


def log_squats(
    s: Session, user: uuid.UUID, day: int, kg: float, reps: list[int], **kw: object
) -> None:
    log_workout(
        s,
        user_id=user,
        performed_at=DAY + dt.timedelta(days=day),
        sets=[
            LoggedSet("Back squat", 1, reps=10, weight_kg=kg / 2),  # warm-up
            *(LoggedSet("Back squat", i + 2, reps=r, weight_kg=kg) for i, r in enumerate(reps)),
            LoggedSet("Plank", 1, duration_s=45),
        ],
        **kw,  # type: ignore[arg-type]
    )


def test_sets_grouped_per_session_with_the_plans_rep_range(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    me, other = seed.user(40), seed.user(41)
    with sessions.begin() as s:
        plan = save_plan(s, seed.request(s, me, "a"), plan_with_reps("6-8"), "ai", "m")
        log_squats(s, me, 0, 60, [7, 6, 6], plan_id=plan.id, rating="just_right")
        log_squats(s, me, 3, 60, [8, 8, 8], plan_id=plan.id, rating="too_easy", rpe=6)
        log_squats(s, me, 5, 60, [8, 7], rpe=8)  # no plan: no planned range
        log_squats(s, other, 6, 200, [8, 8, 8])
    with sessions.begin() as s:
        logged = load_logged_exercises(s, me)
    assert [(e.name, e.performed_at.day, e.planned_reps, e.rating) for e in logged] == [
        ("Back squat", 6, None, None),
        ("Back squat", 4, "6-8", "too_easy"),
        ("Back squat", 1, "6-8", "just_right"),
    ]
    assert [(x.reps, x.weight_kg) for x in logged[1].sets] == [(10, 30), (8, 60), (8, 60), (8, 60)]
    assert logged[0].session_rpe == 8
    with sessions.begin() as s:
        assert load_logged_exercises(s, me, sessions=1)[0].performed_at.day == 6
        assert {e.name for e in load_logged_exercises(s, other)} == {"Back squat"}
        assert load_logged_exercises(s, seed.user(42)) == []


def test_the_targets_come_from_one_query(sessions: sessionmaker[Session], seed: Seed) -> None:
    me = seed.user(43)
    with sessions.begin() as s:
        for day in range(8):
            log_squats(s, me, day, 60 + 2.5 * day, [8, 8, 8], rating="just_right")
    statements: list[str] = []
    engine = sessions.kw["bind"]

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with sessions.begin() as s:
            targets = load_targets(s, me, STRENGTH)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([x for x in statements if x.lstrip().upper().startswith("SELECT")]) == 1
    assert [(t.name, t.action, t.weight_kg, t.sessions) for t in targets] == [
        ("Back squat", "increase", 80.0, 8)
    ]


def test_the_worker_request_carries_the_targets(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    me = seed.user(44)
    with sessions.begin() as s:
        log_squats(s, me, 0, 100 / Units.LB.per_kg * 2.25, [5, 5, 5])  # 225 lb
        log_squats(s, me, 2, 100 / Units.LB.per_kg * 2.25, [5, 5, 4])
        log_squats(s, me, 4, 100 / Units.LB.per_kg * 2.25, [5, 4, 4])
        save_profile(s, me, Profile(units=Units.LB))
        row = seed.request(s, me, "r")
        request = to_generation_request(s, row)
    assert request.profile.units is Units.LB
    (squat,) = request.progression
    assert (squat.action, squat.weight(Units.LB)) == ("deload", 205)


def test_the_same_query_on_the_embedded_sqlite_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    try:
        sessions = session_factory(engine)
        with sessions.begin() as s:
            user = get_or_create_local_user(s).id
            log_squats(s, user, 0, 60, [8, 8, 8], rating="just_right")
            log_squats(s, user, 1, 60, [8, 8, 8], rating="just_right")
        with sessions.begin() as s:
            logged = load_logged_exercises(s, user)
            targets = load_targets(s, user, STRENGTH)
        assert [len(e.sets) for e in logged] == [4, 4]
        assert logged[0].performed_at.tzinfo is not None
        assert [(t.action, t.weight_kg) for t in targets] == [("increase", 62.5)]
    finally:
        engine.dispose()


def test_the_worker_request_carries_the_muscles_still_recovering(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    me, other = seed.user(45), seed.user(46)
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as s:
        log_workout(  # eight sets of squats two hours ago: quads (and glutes, core) tired
            s,
            user_id=me,
            performed_at=now - dt.timedelta(hours=2),
            sets=[LoggedSet("Barbell back squat", n, reps=5, weight_kg=100) for n in range(1, 9)],
        )
        log_workout(  # a week and a day ago: counts no more
            s,
            user_id=me,
            performed_at=now - dt.timedelta(days=8),
            sets=[LoggedSet("Barbell bench press", n, reps=5, weight_kg=80) for n in range(1, 12)],
        )
        log_workout(  # someone else's rows tire nobody else
            s,
            user_id=other,
            performed_at=now,
            sets=[LoggedSet("Pull-up", n, reps=5) for n in range(1, 12)],
        )
        request = to_generation_request(s, seed.request(s, me, "t"))
        theirs = to_generation_request(s, seed.request(s, seed.user(47), "u"))
    assert request.tired == {"quads", "glutes", "core"}
    assert theirs.tired == frozenset()
