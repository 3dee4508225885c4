"""Users and their profiles."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import Equipment, FitnessLevel, Goal, Units
from core.models import Profile
from db.models import ProfileRow, User

__all__ = [
    "DEMO_PROFILE_ID",
    "ensure_demo_user",
    "get_or_create_local_user",
    "get_user_by_telegram_id",
    "load_profile",
    "mark_blocked",
    "save_profile",
    "upsert_telegram_user",
]

DEMO_PROFILE_ID = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")
DEMO_USER_NAME = "demo"


def upsert_telegram_user(
    session: Session, *, telegram_id: int, chat_id: int, name: str | None
) -> User:
    """The user for ``telegram_id``, created on first sight; chat and name kept current."""
    user = get_user_by_telegram_id(session, telegram_id)
    if user is None:
        user = User(telegram_id=telegram_id)
        session.add(user)
    user.chat_id = chat_id
    if name:
        user.name = name[:64]
    user.blocked = False
    session.flush()
    return user


def get_user_by_telegram_id(session: Session, telegram_id: int) -> User | None:
    return session.scalar(select(User).where(User.telegram_id == telegram_id))


def get_or_create_local_user(session: Session, name: str = "local") -> User:
    """A user without Telegram (the CLI's), found again by name."""
    user = session.scalar(
        select(User).where(User.telegram_id.is_(None), User.name == name).limit(1)
    )
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user


def load_profile(session: Session, user_id: uuid.UUID) -> Profile | None:
    """The user's profile as a value object, or None when they have not set one up."""
    user = session.get(User, user_id)
    if user is None or user.profile is None:
        return None
    row = user.profile
    return Profile(
        name=user.name,
        level=FitnessLevel(row.level),
        goals=tuple(Goal(g) for g in row.goals),
        equipment=frozenset(Equipment(e) for e in row.equipment),
        preferred_coach=row.preferred_coach,
        units=Units(user.units),
        limitations=row.limitations,
    )


def save_profile(session: Session, user_id: uuid.UUID, profile: Profile) -> None:
    """Create or replace the user's profile; units and name go on the user."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    user.units = profile.units.value
    if profile.name:
        user.name = profile.name
    row = user.profile
    if row is None:
        row = ProfileRow(user_id=user.id)
        session.add(row)
        user.profile = row
    row.level = profile.level.value
    row.goals = [g.value for g in profile.goals]
    row.equipment = sorted(e.value for e in profile.equipment)
    row.preferred_coach = profile.preferred_coach
    row.limitations = profile.limitations
    session.flush()


def mark_blocked(session: Session, user_id: uuid.UUID) -> None:
    """The user blocked the bot: stop writing to them until they come back."""
    user = session.get(User, user_id)
    if user is not None:
        user.blocked = True


def ensure_demo_user(session: Session) -> User:
    """The seed's demo profile (INTERMEDIATE, strength and muscle gain, MAX); idempotent."""
    row = session.get(ProfileRow, DEMO_PROFILE_ID)
    if row is not None:
        return row.user
    user = get_or_create_local_user(session, DEMO_USER_NAME)
    profile = Profile(
        name=DEMO_USER_NAME,
        level=FitnessLevel.INTERMEDIATE,
        goals=(Goal.STRENGTH, Goal.MUSCLE_GAIN),
        equipment=frozenset(
            {
                Equipment.BODYWEIGHT,
                Equipment.DUMBBELLS,
                Equipment.BARBELL,
                Equipment.BENCH,
                Equipment.PULL_UP_BAR,
            }
        ),
        preferred_coach="MAX",
    )
    if user.profile is None:
        session.add(
            ProfileRow(id=DEMO_PROFILE_ID, user_id=user.id, level="x", preferred_coach="MAX")
        )
        session.flush()
        session.refresh(user)
    save_profile(session, user.id, profile)
    return user
