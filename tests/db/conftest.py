"""Fixtures for the db tests: a migrated PostgreSQL database, and ``seed`` to fill it.

CREATE DATABASE costs about a quarter of a second on the test server, so the query tests
share one database per run, migrated once with ``upgrade``, and each test starts from
empty tables (TRUNCATE). The migration tests use the fresh ``pg_url`` database instead.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment
from core.models import Block, Workout
from db.migrate import upgrade
from db.models import Base, WorkoutRequestRow
from db.requests import lock_request
from db.session import create_db_engine, session_factory
from db.users import upsert_telegram_user
from tests.support.requests import add_request
from tests.support.workouts import lift
from usecases import lifecycle


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
        exercises=[lift(name) for name in names],
    )


class Seed:
    """What the db tests store: users, requests, and the workouts for their plans."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def user(self, telegram_id: int) -> uuid.UUID:
        """A committed Telegram user; its id."""
        with self.sessions.begin() as s:
            return upsert_telegram_user(
                s, telegram_id=telegram_id, chat_id=telegram_id, name=f"u{telegram_id}"
            ).id

    @staticmethod
    def request(
        session: Session, user_id: uuid.UUID, key: str, **overrides: Any
    ) -> WorkoutRequestRow:
        """A request in that session: MAX, strength, 45 min, a barbell, chat 1 but for
        ``overrides``."""
        fields: dict[str, Any] = {
            "duration_min": 45,
            "equipment": [Equipment.BARBELL],
            "chat_id": 1,
        }
        return add_request(session, user_id, key=key, **(fields | overrides))

    def stored_request(self, telegram_id: int, key: str) -> int:
        """A committed request of a new user's; its id."""
        user_id = self.user(telegram_id)
        with self.sessions.begin() as s:
            return self.request(s, user_id, key).id

    workout = staticmethod(build_workout)
    """``seed.workout(title, names)``: a valid workout."""


@pytest.fixture
def seed(sessions: sessionmaker[Session]) -> Seed:
    """Users, requests and workouts on the test's empty tables."""
    return Seed(sessions)


def check_lock_blocks_a_second_transaction(
    sessions: sessionmaker[Session], request_id: int
) -> None:
    """While one transaction holds the request's row lock (and moves it to generating), a
    second lock_request waits for it, then sees what it committed."""
    order: list[str] = []
    locked = threading.Event()

    def holder() -> None:
        with sessions.begin() as s:
            row = lock_request(s, request_id)
            assert row is not None
            locked.set()
            time.sleep(0.3)
            lifecycle.claim(s, row, by="holder")
            order.append("holder committed")

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(5)
    with sessions.begin() as s:
        row = lock_request(s, request_id)
        order.append("second locked")
        assert row is not None and row.state == "generating" and row.attempts == 1
    thread.join()
    assert order == ["holder committed", "second locked"]
