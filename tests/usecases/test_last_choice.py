"""usecases.last_choice ("same as last time"): the caller's newest request, whatever its
state; nobody else's; None before any."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, WorkoutType
from tests.db.conftest import Seed
from usecases import Member, WorkoutChoice, last_choice, lifecycle


def _member(telegram_id: int) -> Member:
    return Member(telegram_id=telegram_id, chat_id=telegram_id, name="u")


def test_the_newest_request_whatever_became_of_it(
    sessions: sessionmaker[Session], seed: Seed
) -> None:
    assert last_choice(sessions, _member(1)) is None  # not even a user yet
    me, other = seed.user(1), seed.user(2)
    assert last_choice(sessions, _member(1)) is None  # a user, no request
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as s:
        old = seed.request(s, me, "old", coach="SAGE")
        old.created_at = now - dt.timedelta(hours=2)
        new = seed.request(
            s, me, "new", coach="KAI", workout_type=WorkoutType.HIIT, duration_min=25,
            equipment=[Equipment.KETTLEBELL, Equipment.BODYWEIGHT],
        )  # fmt: skip
        new.created_at = now - dt.timedelta(hours=1)
        lifecycle.fail(s, new, "why")  # failed still counts: it is what they asked for
        theirs = seed.request(s, other, "theirs", coach="ZARA")
        theirs.created_at = now
    assert last_choice(sessions, _member(1)) == WorkoutChoice(
        coach="KAI",
        workout_type=WorkoutType.HIIT,
        duration_min=25,
        equipment=frozenset({Equipment.KETTLEBELL, Equipment.BODYWEIGHT}),
    )
    chosen = last_choice(sessions, _member(2))
    assert chosen is not None and chosen.coach == "ZARA"
