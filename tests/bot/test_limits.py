"""Per-user limits in the service layer (usecases.open_request) on a real PostgreSQL:
the hourly generation allowance, and one request in flight per user even under races."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import usecases
from core.domain import Equipment, RequestState, WorkoutType
from db.models import WorkoutRequestRow
from db.users import upsert_telegram_user
from tests.seed import advance
from tests.support.requests import add_request

CHOICE = usecases.WorkoutChoice(
    coach="MAX",
    workout_type=WorkoutType.STRENGTH,
    duration_min=30,
    equipment=frozenset({Equipment.BODYWEIGHT}),
)


def who(telegram_id: int) -> usecases.Member:
    return usecases.Member(telegram_id=telegram_id, chat_id=telegram_id, name="Lim")


def seed(
    sessions: sessionmaker[Session],
    telegram_id: int,
    ages_min: list[float],
    *,
    state: str = "delivered",
    attempts: int = 1,
) -> None:
    """Requests of the user made ``ages_min`` minutes ago, in ``state``."""
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as session:
        user = upsert_telegram_user(session, telegram_id=telegram_id, chat_id=telegram_id, name="L")
        for age in ages_min:
            row = add_request(
                session, user.id, equipment=[Equipment.BODYWEIGHT], chat_id=telegram_id
            )
            advance(session, row, RequestState(state))
            row.attempts = attempts  # as many tries as the case says, whatever the moves counted
            row.created_at = now - dt.timedelta(minutes=age)


def open_(
    sessions: sessionmaker[Session], telegram_id: int, per_hour: int = 10, key: str = ""
) -> usecases.Opened:
    return usecases.open_request(
        sessions, who(telegram_id), CHOICE, key or f"k:{uuid.uuid4().hex}", per_hour=per_hour
    )


def count(sessions: sessionmaker[Session], telegram_id: int) -> int:
    with sessions.begin() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(WorkoutRequestRow)
                .where(WorkoutRequestRow.chat_id == telegram_id)
            )
            or 0
        )


def test_the_hour_is_a_sliding_window(sessions: sessionmaker[Session]) -> None:
    seed(sessions, 801, [61, 75, 120, 50, 40, 30, 20, 10, 5, 4, 3, 2])  # the last 9: this hour
    opened = open_(sessions, 801)
    assert opened.status is usecases.OpenStatus.CREATED
    with sessions.begin() as session:
        row = session.get(WorkoutRequestRow, opened.request_id)
        assert row is not None
        advance(session, row, RequestState.DELIVERED)
    before = count(sessions, 801)
    limited = open_(sessions, 801)
    assert limited.status is usecases.OpenStatus.LIMITED and limited.request_id == 0
    assert count(sessions, 801) == before  # nothing written
    # The next one is possible when the oldest of the ten leaves the hour (50 min ago + 1 h).
    assert limited.next_at is not None
    wait = limited.next_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=9) < wait <= dt.timedelta(minutes=10)


def test_the_limit_is_the_setting(sessions: sessionmaker[Session]) -> None:
    seed(sessions, 802, [30, 20, 10])
    assert open_(sessions, 802, per_hour=3).status is usecases.OpenStatus.LIMITED
    assert open_(sessions, 802, per_hour=4).status is usecases.OpenStatus.CREATED


def test_zero_means_no_limit(sessions: sessionmaker[Session]) -> None:
    seed(sessions, 803, [1] * 50)
    assert open_(sessions, 803, per_hour=0).status is usecases.OpenStatus.CREATED


def test_requests_that_never_started_do_not_count(sessions: sessionmaker[Session]) -> None:
    # The queue was down: ten failures that cost nothing must not use up the hour.
    seed(sessions, 804, [5] * 10, state="failed", attempts=0)
    assert open_(sessions, 804).status is usecases.OpenStatus.CREATED


def test_failures_after_an_attempt_count(sessions: sessionmaker[Session]) -> None:
    seed(sessions, 805, [5] * 10, state="failed", attempts=2)
    assert open_(sessions, 805).status is usecases.OpenStatus.LIMITED


def test_a_retried_update_of_an_earlier_request_stays_a_duplicate(
    sessions: sessionmaker[Session],
) -> None:
    seed(sessions, 806, [30] * 9)
    first = open_(sessions, 806, key="tg:806:77")
    assert first.status is usecases.OpenStatus.CREATED
    with sessions.begin() as session:
        row = session.get(WorkoutRequestRow, first.request_id)
        assert row is not None
        advance(session, row, RequestState.DELIVERED)
    again = open_(sessions, 806, key="tg:806:77")  # the same Generate, delivered twice
    assert again.status is usecases.OpenStatus.DUPLICATE and again.request_id == first.request_id
    assert open_(sessions, 806).status is usecases.OpenStatus.LIMITED


def test_other_users_are_not_limited_by_one(sessions: sessionmaker[Session]) -> None:
    seed(sessions, 807, [5] * 10)
    assert open_(sessions, 807).status is usecases.OpenStatus.LIMITED
    assert open_(sessions, 808).status is usecases.OpenStatus.CREATED


@pytest.mark.parametrize("racers", [8])
def test_racing_generates_of_one_user_make_one_request(
    sessions: sessionmaker[Session], racers: int
) -> None:
    """Fairness: however many Generates of one user arrive at once (two bot processes, a
    group chat and a private one), one request is in flight, so the user can hold at most
    one of the shared AI slots and the queue holds at most one request per user."""
    usecases.register(sessions, who(809))
    barrier = threading.Barrier(racers)

    def race(n: int) -> usecases.Opened:
        barrier.wait()
        return open_(sessions, 809, key=f"race:{n}")

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    statuses = sorted(r.status.value for r in results)
    assert statuses == ["busy"] * (racers - 1) + ["created"]
    created = next(r for r in results if r.status is usecases.OpenStatus.CREATED)
    assert {r.request_id for r in results} == {created.request_id}
    assert count(sessions, 809) == 1
