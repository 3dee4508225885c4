"""Fixtures for the db tests: a migrated PostgreSQL database, users, requests, workouts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, Units, WorkoutType
from core.models import Block, Exercise, Workout
from db.migrate import upgrade
from db.models import WorkoutRequestRow
from db.requests import create_request
from db.session import create_db_engine, session_factory
from db.users import upsert_telegram_user

MakeWorkout = Callable[..., Workout]
MakeUser = Callable[[int], uuid.UUID]
MakeRequest = Callable[..., WorkoutRequestRow]


@pytest.fixture
def sessions(pg_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a freshly migrated PostgreSQL database."""
    upgrade(pg_url)
    engine = create_db_engine(pg_url)
    yield session_factory(engine)
    engine.dispose()


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
        fields: dict[str, object] = {
            "coach": "MAX",
            "workout_type": WorkoutType.STRENGTH,
            "duration_min": 45,
            "equipment": [Equipment.BARBELL],
            "chat_id": 1,
        }
        fields.update(overrides)
        return create_request(session, user_id=user_id, idempotency_key=key, **fields)  # type: ignore[arg-type]

    return make
