"""The migration on PostgreSQL and SQLite, and the query functions on PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, FitnessLevel, Goal, Units, WorkoutType
from core.models import Block, Exercise, Profile, Workout
from core.pipeline import AIAttempt
from db.botstate import (
    drop_user_data,
    get_user_data,
    load_conversations,
    save_conversation,
    save_user_data,
)
from db.history import count_plans, get_plan, list_plans, recent_history
from db.migrate import is_at_head, upgrade
from db.models import AIGenerationLog, ProfileRow, User, WorkoutPlan
from db.requests import (
    active_request_for_user,
    add_generation_logs,
    create_request,
    lock_request,
    mark_delivered,
    mark_generating,
    save_plan,
    to_generation_request,
)
from db.session import create_db_engine
from db.users import (
    DEMO_PROFILE_ID,
    ensure_demo_user,
    load_profile,
    save_profile,
    upsert_telegram_user,
)

TABLES = {
    "users",
    "profiles",
    "workout_requests",
    "workout_plans",
    "ai_generation_logs",
    "workout_logs",
    "workout_log_sets",
    "bot_conversations",
    "bot_user_data",
}


def workout(
    title: str = "Heavy day", names: tuple[str, ...] = ("Back squat", "Bench press")
) -> Workout:
    return Workout(
        title=title,
        intro="Let's lift.",
        warmup=Block(minutes=5, items=["Jumping jacks"]),
        exercises=[
            Exercise(
                name=n,
                sets=4,
                reps="6-8",
                rest_seconds=120,
                instructions="Brace.",
                equipment=[Equipment.BARBELL],
                weighted=True,
                target_weight=60,
                weight_unit=Units.KG,
                alternatives=["Goblet squat", "Leg press"],
            )
            for n in names
        ],
    )


def new_request(session: Session, user_id, key: str):  # type: ignore[no-untyped-def]
    return create_request(
        session,
        user_id=user_id,
        coach="MAX",
        workout_type=WorkoutType.STRENGTH,
        duration_min=45,
        equipment=[Equipment.BARBELL],
        idempotency_key=key,
        chat_id=1,
    )


def test_migration_runs_on_postgresql(pg_url: str) -> None:
    assert not is_at_head(pg_url)
    upgrade(pg_url)
    assert is_at_head(pg_url)
    engine = create_db_engine(pg_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_same_migration_runs_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    upgrade(url)
    assert is_at_head(url)
    upgrade(url)  # twice is harmless
    engine = create_db_engine(url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_demo_user_twice_is_one_profile(sessions: sessionmaker[Session]) -> None:
    for _ in range(2):
        with sessions.begin() as s:
            ensure_demo_user(s)
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(ProfileRow)) == 1
        row = s.get(ProfileRow, DEMO_PROFILE_ID)
        assert row is not None
        profile = load_profile(s, row.user_id)
        assert profile is not None
        assert profile.level is FitnessLevel.INTERMEDIATE
        assert set(profile.goals) == {Goal.STRENGTH, Goal.MUSCLE_GAIN}
        assert {
            Equipment.DUMBBELLS,
            Equipment.BARBELL,
            Equipment.BENCH,
            Equipment.PULL_UP_BAR,
        } <= profile.equipment
        assert profile.preferred_coach == "MAX"


def test_profile_round_trip_and_units(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        user = upsert_telegram_user(s, telegram_id=42, chat_id=42, name="<b>Ann</b>")
        assert load_profile(s, user.id) is None
        p = Profile(
            level="advanced",
            goals=("cardio",),
            equipment=frozenset({"kettlebell"}),
            preferred_coach="zara",
            units="lb",
            limitations="bad knee & <wrist>",
        )
        save_profile(s, user.id, p)
        uid = user.id
    with sessions.begin() as s:
        loaded = load_profile(s, uid)
        assert loaded is not None
        assert loaded.units is Units.LB and loaded.preferred_coach == "ZARA"
        assert loaded.limitations == "bad knee & <wrist>"
        assert loaded.name == "<b>Ann</b>"
        assert s.get(User, uid).units == "lb"  # type: ignore[union-attr]
        again = upsert_telegram_user(s, telegram_id=42, chat_id=43, name="Ann")
        assert again.id == uid and again.chat_id == 43


def test_idempotency_key_makes_one_request_even_from_two_threads(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        uid = upsert_telegram_user(s, telegram_id=1, chat_id=1, name="A").id
    with sessions.begin() as s:
        first = new_request(s, uid, "tg:1:10").id
    with sessions.begin() as s:
        assert new_request(s, uid, "tg:1:10").id == first
    ids: list[int] = []
    barrier = threading.Barrier(2)

    def make() -> None:
        barrier.wait()
        with sessions.begin() as s:
            ids.append(new_request(s, uid, "tg:1:11").id)

    threads = [threading.Thread(target=make) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1


def test_states_one_plan_and_logs(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        uid = upsert_telegram_user(s, telegram_id=2, chat_id=2, name="B").id
        rid = new_request(s, uid, "k").id
    with sessions.begin() as s:
        row = lock_request(s, rid)
        assert row is not None and active_request_for_user(s, uid) is not None
        mark_generating(s, row)
        assert row.attempts == 1 and row.generating_since is not None
        add_generation_logs(
            s, rid, [AIAttempt(model="m", latency_ms=5, outcome="error", error="HTTP 529")]
        )
        save_plan(s, row, workout("One"), "fallback", "m")
        save_plan(s, row, workout("Two"), "ai", "m")
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(WorkoutPlan)) == 1
        assert s.scalar(select(WorkoutPlan.workout)).get("title") == "One"  # type: ignore[union-attr]
        assert s.scalar(select(AIGenerationLog.error)) == "HTTP 529"
        row = lock_request(s, rid)
        assert row is not None and row.state == "generated"
        mark_delivered(s, row, [5, 6])
        assert active_request_for_user(s, uid) is None


def test_lock_request_blocks_a_second_transaction(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        uid = upsert_telegram_user(s, telegram_id=3, chat_id=3, name="C").id
        rid = new_request(s, uid, "lock").id
    order: list[str] = []
    locked = threading.Event()

    def holder() -> None:
        with sessions.begin() as s:
            lock_request(s, rid)
            locked.set()
            time.sleep(0.5)
            order.append("holder done")

    t = threading.Thread(target=holder)
    t.start()
    locked.wait()
    with sessions.begin() as s:
        lock_request(s, rid)
        order.append("second got the lock")
    t.join()
    assert order == ["holder done", "second got the lock"]


def test_history_paging_and_ownership(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        a = upsert_telegram_user(s, telegram_id=10, chat_id=10, name="A").id
        b = upsert_telegram_user(s, telegram_id=11, chat_id=11, name="B").id
        plan_ids = []
        for i in range(7):
            row = new_request(s, a, f"a{i}")
            plan_ids.append(
                save_plan(s, row, workout(f"W{i}", (f"Move {i}", "Row")), "rule_based", None).id
            )
        other = save_plan(s, new_request(s, b, "b0"), workout("B's"), "rule_based", None).id
    with sessions.begin() as s:
        assert count_plans(s, a) == 7
        page = list_plans(s, a, offset=0, limit=5)
        assert [p.title for p in page] == ["W6", "W5", "W4", "W3", "W2"]
        assert [p.title for p in list_plans(s, a, offset=5, limit=5)] == ["W1", "W0"]
        assert get_plan(s, other, user_id=a) is None
        mine = get_plan(s, plan_ids[0], user_id=a)
        assert mine is not None and mine.workout.title == "W0"
        history = recent_history(s, a, limit=5)
        assert [h.exercises[0] for h in history] == [
            "Move 6",
            "Move 5",
            "Move 4",
            "Move 3",
            "Move 2",
        ]
        row = new_request(s, a, "next")
        request = to_generation_request(s, row)
        assert len(request.history) == 5 and request.profile.units is Units.KG


def test_bot_state_round_trip(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        save_conversation(s, "workout", (5, 5), 3)
        save_conversation(s, "profile", (5, 5), 1)
        save_user_data(s, 5, {"draft": {"coach": "MAX"}})
    with sessions.begin() as s:
        assert load_conversations(s, "workout") == {(5, 5): 3}
        save_conversation(s, "workout", (5, 5), None)
        assert get_user_data(s, 5) == {"draft": {"coach": "MAX"}}
    with sessions.begin() as s:
        assert load_conversations(s, "workout") == {}
        drop_user_data(s, 5)
        assert get_user_data(s, 5) is None


@pytest.mark.parametrize("bad", ["9", "abc"])
def test_unknown_telegram_user_has_no_profile(sessions: sessionmaker[Session], bad: str) -> None:
    with sessions.begin() as s:
        assert s.scalar(select(User).where(User.name == bad)) is None
