"""Users, profiles and the demo user on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.domain import Equipment, FitnessLevel, Goal, Units
from core.models import Profile
from db.models import ProfileRow, User
from db.users import (
    DEMO_PROFILE_ID,
    ensure_demo_user,
    get_or_create_local_user,
    get_user_by_telegram_id,
    load_profile,
    mark_blocked,
    save_profile,
    upsert_telegram_user,
)


def count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_demo_user_twice_is_one_user_with_the_demo_profile(
    sessions: sessionmaker[Session],
) -> None:
    ids = set()
    for _ in range(2):
        with sessions.begin() as s:
            ids.add(ensure_demo_user(s).id)
    assert len(ids) == 1
    with sessions.begin() as s:
        assert count(s, User) == 1 and count(s, ProfileRow) == 1
        row = s.get(ProfileRow, DEMO_PROFILE_ID)
        assert row is not None and row.user_id in ids
        assert row.user.telegram_id is None and row.user.units == "kg"
        assert load_profile(s, row.user_id) == Profile(
            name="demo",
            level=FitnessLevel.INTERMEDIATE,
            goals=(Goal.STRENGTH, Goal.MUSCLE_GAIN),
            equipment=frozenset(
                {
                    Equipment.DUMBBELLS,
                    Equipment.BARBELL,
                    Equipment.BENCH,
                    Equipment.PULL_UP_BAR,
                    Equipment.BODYWEIGHT,
                }
            ),
            preferred_coach="MAX",
            units=Units.KG,
        )


def test_profile_round_trip(sessions: sessionmaker[Session]) -> None:
    profile = Profile(
        name="Ann <b>",
        level=FitnessLevel.ADVANCED,
        goals=(Goal.CARDIO, Goal.WEIGHT_LOSS),
        equipment=frozenset({Equipment.KETTLEBELL, Equipment.BODYWEIGHT}),
        preferred_coach="zara",
        units=Units.LB,
        limitations="bad knee & <wrist>",
    )
    with sessions.begin() as s:
        user = upsert_telegram_user(s, telegram_id=42, chat_id=42, name="Telegram Ann")
        assert load_profile(s, user.id) is None
        save_profile(s, user.id, profile)
        uid = user.id
    with sessions.begin() as s:
        assert load_profile(s, uid) == profile
        assert s.get(User, uid).units == "lb"  # type: ignore[union-attr]
        save_profile(s, uid, Profile(level=FitnessLevel.BEGINNER))  # replaces, keeps the name
    with sessions.begin() as s:
        again = load_profile(s, uid)
        assert again is not None
        assert again.level is FitnessLevel.BEGINNER and again.units is Units.KG
        assert again.name == "Ann <b>" and again.limitations is None
        assert count(s, ProfileRow) == 1


def test_save_profile_for_a_missing_user_raises(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(LookupError), sessions.begin() as s:
        save_profile(s, uuid.uuid4(), Profile())


def test_telegram_user_upsert_is_idempotent_and_unblocks(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        first = upsert_telegram_user(s, telegram_id=7, chat_id=70, name="Bo")
        mark_blocked(s, first.id)
        assert first.blocked
    with sessions.begin() as s:
        again = upsert_telegram_user(s, telegram_id=7, chat_id=71, name=None)
        assert again.id == first.id
        assert (again.chat_id, again.name, again.blocked) == (71, "Bo", False)
        assert get_user_by_telegram_id(s, 7) is again
        assert get_user_by_telegram_id(s, 8) is None
        assert count(s, User) == 1
        assert again.created_at.tzinfo is not None and again.updated_at >= again.created_at


def test_local_user_is_found_again_by_name(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_telegram_user(s, telegram_id=1, chat_id=1, name="local")  # not a local user
        local = get_or_create_local_user(s)
        other = get_or_create_local_user(s, "bench")
    with sessions.begin() as s:
        assert get_or_create_local_user(s).id == local.id
        assert get_or_create_local_user(s, "bench").id == other.id != local.id
        assert local.telegram_id is None
        assert count(s, User) == 3
