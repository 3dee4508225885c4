"""Fixtures for the db tests: a migrated PostgreSQL database, users, requests, workouts.

CREATE DATABASE costs about a quarter of a second on the test server, so the query tests
share one database per run, migrated once with ``upgrade``, and each test starts from
empty tables (TRUNCATE). The migration tests use the fresh ``pg_url`` database instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, Units
from core.models import Block, Exercise, Workout
from db.migrate import upgrade
from db.models import Base, WorkoutRequestRow
from db.session import create_db_engine, session_factory
from db.users import upsert_telegram_user
from tests.support.requests import add_request

MakeWorkout = Callable[..., Workout]
MakeUser = Callable[[int], uuid.UUID]
MakeRequest = Callable[..., WorkoutRequestRow]


@pytest.fixture(scope="session")
def migrated_engine(pg_server: str) -> Iterator[Engine]:
    """An engine on a database of its own, migrated to head once for the whole run."""
    name = f"flexflow_test_db_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    try:
        upgrade(url)
        engine = create_db_engine(url)
        yield engine
        engine.dispose()
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sessions(migrated_engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated PostgreSQL database, every table empty."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with migrated_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return session_factory(migrated_engine)


def build_workout(title: str = "Heavy day", names: tuple[str, ...] = ("Back squat",)) -> Workout:
    """A small valid workout with the given title and exercise names."""
    return Workout(
        title=title,
        intro="Let's lift.",
        warmup=Block(minutes=5, items=["Jumping jacks"]),
        exercises=[
            Exercise(
                name=name,
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
            for name in names
        ],
    )


@pytest.fixture
def make_workout() -> MakeWorkout:
    """``make_workout(title, names)``: a valid workout."""
    return build_workout


@pytest.fixture
def make_user(sessions: sessionmaker[Session]) -> MakeUser:
    """``make_user(telegram_id)``: a committed Telegram user; returns its id."""

    def make(telegram_id: int) -> uuid.UUID:
        with sessions.begin() as s:
            return upsert_telegram_user(
                s, telegram_id=telegram_id, chat_id=telegram_id, name=f"u{telegram_id}"
            ).id

    return make


@pytest.fixture
def make_request() -> MakeRequest:
    """``make_request(session, user_id, key, **overrides)``: a request in that session."""

    def make(
        session: Session, user_id: uuid.UUID, key: str, **overrides: object
    ) -> WorkoutRequestRow:
        fields = {"duration_min": 45, "equipment": [Equipment.BARBELL], "chat_id": 1} | overrides
        return add_request(session, user_id, key=key, **fields)  # type: ignore[arg-type]

    return make
