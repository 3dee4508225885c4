"""Users and their profiles, and the demo user.

A user is a Telegram user (``telegram_id`` set) or a local user of the CLI (found by name).
The profile row holds the fitness data; the name and the units live on the user, and
``load_profile`` puts them back together as a ``core.models.Profile``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import Equipment, FitnessLevel, Goal, Units
from core.models import Profile
from db.models import ProfileRow, User

__all__ = [
    "DEMO_PROFILE",
    "DEMO_PROFILE_ID",
    "DEMO_USER_NAME",
    "ensure_demo_user",
    "get_or_create_local_user",
    "get_user_by_telegram_id",
    "load_profile",
    "mark_blocked",
    "profile_of",
    "save_profile",
    "upsert_telegram_user",
]

DEMO_PROFILE_ID = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")
DEMO_USER_NAME = "demo"
DEMO_PROFILE = Profile(
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
    units=Units.KG,
)
"""The seed profile of the proof of concept: an intermediate lifter with a home gym."""

NAME_LENGTH = 64


def upsert_telegram_user(
    session: Session, *, telegram_id: int, chat_id: int, name: str | None, lock: bool = False
) -> User:
    """The user for ``telegram_id``, created on first sight; chat, name and unblock kept current.

    ``lock``: hold the user's row until the transaction ends (``SELECT ... FOR UPDATE``, in
    the same round trip as the read). Decisions about a user's requests (one at a time, so
    many an hour) read first and write after; the lock makes two such decisions for the same
    user, from any process, run one after the other. A user created here is invisible to
    others until the commit, so just as exclusive. SQLite has no row locks and ignores it
    (its writers are serial anyway).
    """
    user = get_user_by_telegram_id(session, telegram_id, lock=lock)
    if user is None:
        user = User(telegram_id=telegram_id)
        session.add(user)
    user.chat_id = chat_id
    if name:
        user.name = name[:NAME_LENGTH]
    user.blocked = False
    session.flush()
    return user


def get_user_by_telegram_id(
    session: Session, telegram_id: int, *, lock: bool = False
) -> User | None:
    """The user with this Telegram id, if we have seen them (``lock``: see
    ``upsert_telegram_user``)."""
    query = select(User).where(User.telegram_id == telegram_id)
    return session.scalar(query.with_for_update() if lock else query)


def get_or_create_local_user(session: Session, name: str = "local") -> User:
    """A user without Telegram (the CLI's), found again by name."""
    user = session.scalar(
        select(User)
        .where(User.telegram_id.is_(None), User.name == name)
        .order_by(User.created_at)
        .limit(1)
    )
    if user is None:
        user = User(name=name[:NAME_LENGTH])
        session.add(user)
        session.flush()
    return user


def load_profile(session: Session, user_id: uuid.UUID) -> Profile | None:
    """The user's profile as a value object, or None when they have not set one up."""
    user = session.get(User, user_id)
    return profile_of(user) if user is not None else None


def profile_of(user: User) -> Profile | None:
    """``user``'s profile as a value object, or None when they have not set one up."""
    row = user.profile
    if row is None:
        return None
    return Profile(
        name=user.name,
        level=row.level,
        goals=tuple(Goal(g) for g in row.goals),
        equipment=frozenset(Equipment(e) for e in row.equipment),
        preferred_coach=row.preferred_coach,
        units=user.units,
        limitations=row.limitations,
    )


def save_profile(session: Session, user_id: uuid.UUID, profile: Profile) -> None:
    """Create or replace the user's profile; units (and the name, if given) go on the user."""
    _write_profile(session, _user(session, user_id), profile)


def _write_profile(
    session: Session, user: User, profile: Profile, profile_id: uuid.UUID | None = None
) -> ProfileRow:
    user.units = profile.units
    if profile.name:
        user.name = profile.name[:NAME_LENGTH]
    row = user.profile
    if row is None:
        row = ProfileRow(id=profile_id or uuid.uuid4(), user_id=user.id)
        session.add(row)
        user.profile = row
    row.level = profile.level
    row.goals = [g.value for g in profile.goals]
    row.equipment = sorted(e.value for e in profile.equipment)
    row.preferred_coach = profile.preferred_coach
    row.limitations = profile.limitations
    session.flush()
    return row


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    return user


def mark_blocked(session: Session, user_id: uuid.UUID) -> None:
    """The user blocked the bot: stop writing to them until they write again."""
    user = session.get(User, user_id)
    if user is not None:
        user.blocked = True


def ensure_demo_user(session: Session) -> User:
    """The demo user with the demo profile (id ``DEMO_PROFILE_ID``); running it again resets it."""
    row = session.get(ProfileRow, DEMO_PROFILE_ID)
    user = row.user if row is not None else get_or_create_local_user(session, DEMO_USER_NAME)
    _write_profile(session, user, DEMO_PROFILE, profile_id=DEMO_PROFILE_ID)
    return user
