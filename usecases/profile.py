"""Who is talking to the bot, and their profile: register, read, save, blocked.

Every function is one unit of work (``with sessions.begin() as session:``). ``known_user``
and ``user_of`` are the two ways the other use cases find the caller: the first never
creates anyone (a button from a stranger finds nothing), the second registers the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core.models import Profile
from db import users as db_users
from db.models import User

__all__ = [
    "Member",
    "Sessions",
    "known_user",
    "load_profile",
    "mark_blocked",
    "register",
    "save_profile",
    "user_of",
]

Sessions = sessionmaker[Session]


@dataclass(frozen=True, slots=True)
class Member:
    """Who is talking to the bot."""

    telegram_id: int
    """The Telegram user id."""
    chat_id: int
    """The chat the bot answers in (a private chat: the same as the user id)."""
    name: str | None
    """The Telegram first name, if any."""


def user_of(session: Session, who: Member, *, lock: bool = False) -> User:
    """The caller's user row, created or refreshed (clears "blocked"); ``lock`` holds it
    until the transaction ends (one decision per user at a time)."""
    return db_users.upsert_telegram_user(
        session, telegram_id=who.telegram_id, chat_id=who.chat_id, name=who.name, lock=lock
    )


def known_user(session: Session, who: Member) -> User | None:
    """The caller's user row if they have one; nobody is created (ownership checks)."""
    return db_users.get_user_by_telegram_id(session, who.telegram_id)


def register(sessions: Sessions, who: Member) -> bool:
    """Create or refresh the user (idempotent, clears "blocked"); True if they have a profile."""
    with sessions.begin() as session:
        user = user_of(session, who)
        return db_users.load_profile(session, user.id) is not None


def load_profile(sessions: Sessions, who: Member) -> Profile | None:
    """The caller's saved profile, or None (registers the caller on the way)."""
    with sessions.begin() as session:
        return db_users.load_profile(session, user_of(session, who).id)


def save_profile(sessions: Sessions, who: Member, profile: Profile) -> Profile:
    """Store the caller's profile; the profile as saved (with their name)."""
    with sessions.begin() as session:
        user = user_of(session, who)
        db_users.save_profile(session, user.id, profile)
        saved = db_users.load_profile(session, user.id)
    if saved is None:  # save_profile just wrote it in this transaction
        raise RuntimeError("a saved profile could not be read back")
    return saved


def mark_blocked(sessions: Sessions, telegram_id: int) -> None:
    """The user blocked the bot: the worker stops writing to them until they write again."""
    with sessions.begin() as session:
        user = db_users.get_user_by_telegram_id(session, telegram_id)
        if user is not None:
            db_users.mark_blocked(session, user.id)
