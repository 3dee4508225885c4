"""The migrations, on PostgreSQL and on SQLite, match the models exactly."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from core.domain import Equipment, WorkoutType
from db.botstate import load_conversations, save_conversation
from db.history import get_plan_for_request
from db.migrate import MIGRATION_LOCK, current_revision, head_revision, is_at_head, upgrade
from db.models import Base
from db.requests import lock_request, save_plan
from db.session import create_db_engine, session_factory
from db.users import get_or_create_local_user
from tests.db.conftest import build_workout, check_lock_blocks_a_second_transaction
from tests.support.requests import add_request
from usecases import lifecycle

TABLES = {
    "alembic_version",
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


def schema_drift(url: str) -> list[object]:
    """Differences between the migrated database and the models (empty when they agree)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def tables_and_indexes(url: str) -> tuple[set[str], set[str]]:
    engine = create_db_engine(url)
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        indexes = {ix["name"] for t in tables for ix in inspector.get_indexes(t) if ix["name"]}
        return tables, indexes
    finally:
        engine.dispose()


def test_migration_to_head_on_postgresql(pg_url: str) -> None:
    assert current_revision(pg_url) is None
    assert not is_at_head(pg_url)
    upgrade(pg_url)
    assert is_at_head(pg_url)
    assert current_revision(pg_url) == head_revision() == "0005"
    tables, indexes = tables_and_indexes(pg_url)
    assert tables == TABLES
    assert {
        "ix_workout_requests_state_updated_at",
        "ix_workout_requests_user_id_created_at",
        "ix_workout_plans_user_id_created_at",
        "ix_ai_generation_logs_request_id",
        "ix_workout_logs_user_id_performed_at",
        "ix_workout_log_sets_log_id",
    } <= indexes
    assert schema_drift(pg_url) == []


def test_same_migration_on_a_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path.parent)  # no reliance on the working directory
    url = f"sqlite:///{tmp_path / 'flexflow.db'}"
    assert not is_at_head(url)
    upgrade(url)
    assert is_at_head(url)
    upgrade(url)  # a second run is a no-op
    assert is_at_head(url)
    assert tables_and_indexes(url)[0] == TABLES
    assert schema_drift(url) == []


def test_migration_waits_for_another_migrating_process(pg_url: str) -> None:
    """env.py takes a PostgreSQL advisory lock: while someone holds it, upgrade waits."""
    engine = create_db_engine(pg_url)
    done = threading.Event()

    def migrate() -> None:
        upgrade(pg_url)
        done.set()

    thread = threading.Thread(target=migrate)
    try:
        with engine.connect() as other:  # "another process", in the middle of migrating
            other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            thread.start()
            assert not done.wait(0.5)
            assert current_revision(pg_url) is None
            other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            other.commit()
        assert done.wait(10)
        assert is_at_head(pg_url)
    finally:
        thread.join()
        engine.dispose()


def test_threads_migrating_at_once_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    errors: list[Exception] = []

    def run() -> None:
        try:
            upgrade(url)
        except Exception as exc:  # reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert is_at_head(url)


def test_sqlite_keeps_utc_foreign_keys_and_savepoints(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    try:
        with sessions.begin() as s:
            user = get_or_create_local_user(s)
            row = add_request(
                s,
                user.id,
                key="cli:1",
                coach="max",
                workout_type=WorkoutType.HIIT,
                duration_min=20,
                equipment=[Equipment.JUMP_ROPE],
            )
            again = add_request(
                s,
                user.id,
                key="cli:1",
                workout_type=WorkoutType.HIIT,
                duration_min=20,
                equipment=[],
            )
            assert again is row
            lifecycle.claim(s, row, by="test")
            save_plan(s, row, build_workout(), "rule_based", None)
            lifecycle.generated(s, row)
            save_conversation(s, "workout", (7, 7), 2)
            request_id = row.id
        with sessions.begin() as s:
            plan = get_plan_for_request(s, request_id)
            assert plan is not None and plan.workout == build_workout()
            assert plan.created_at.tzinfo is dt.UTC
            assert abs(plan.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
            fresh = lock_request(s, request_id)
            assert fresh is not None and fresh.generating_since is not None
            assert fresh.generating_since.tzinfo is dt.UTC
            assert load_conversations(s, "workout") == {(7, 7): 2}
        with pytest.raises(IntegrityError), sessions.begin() as s:  # foreign keys are on
            add_request(
                s,
                user.id.__class__(int=1),
                key="cli:2",
                workout_type=WorkoutType.HIIT,
                duration_min=20,
                equipment=[],
            )
    finally:
        engine.dispose()


def test_sqlite_transactions_are_serialized(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        user = get_or_create_local_user(s)
        request_id = add_request(
            s, user.id, key="k", workout_type=WorkoutType.CARDIO, equipment=[]
        ).id
    try:
        check_lock_blocks_a_second_transaction(sessions, request_id)
    finally:
        engine.dispose()
