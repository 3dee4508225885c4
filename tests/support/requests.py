"""Workout requests stored straight in the database, the way Generate stores them.

``add_request`` fills in what a test does not care about (MAX, strength, 30 minutes,
dumbbells, a fresh idempotency key); a test names only what matters to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

import jobs
from core.domain import Equipment, WorkoutType
from db.models import WorkoutRequestRow
from db.requests import create_request
from db.users import get_or_create_local_user, upsert_telegram_user


def add_request(
    session: Session,
    user_id: uuid.UUID,
    *,
    key: str | None = None,
    coach: str = "MAX",
    workout_type: WorkoutType = WorkoutType.STRENGTH,
    duration_min: int = 30,
    equipment: Iterable[Equipment] = (Equipment.DUMBBELLS,),
    chat_id: int | None = None,
    message_id: int | None = None,
) -> WorkoutRequestRow:
    """A queued request of the user's in ``session`` (the existing one for a known ``key``)."""
    return create_request(
        session,
        user_id=user_id,
        coach=coach,
        workout_type=workout_type,
        duration_min=duration_min,
        equipment=equipment,
        idempotency_key=key or f"seed:{uuid.uuid4().hex}",
        chat_id=chat_id,
        message_id=message_id,
    )


def add_chat_request(
    session: Session, telegram_id: int, *, name: str = "L", **fields: Any
) -> WorkoutRequestRow:
    """The Telegram user ``telegram_id`` (created on first sight) and a request from their
    private chat; ``fields`` as for ``add_request``."""
    user = upsert_telegram_user(session, telegram_id=telegram_id, chat_id=telegram_id, name=name)
    return add_request(session, user.id, chat_id=telegram_id, **fields)


def queue_local_requests(
    sessions: sessionmaker[Session], count: int, key_prefix: str, **fields: Any
) -> list[int]:
    """``count`` requests of the CLI's local user (keys ``{key_prefix}0``, ``{key_prefix}1``,
    ...), committed, then each sent to the generation queue; their ids."""
    with sessions.begin() as session:
        user = get_or_create_local_user(session)
        ids = [
            add_request(session, user.id, key=f"{key_prefix}{n}", **fields).id for n in range(count)
        ]
    for request_id in ids:
        jobs.enqueue_generation(request_id)
    return ids
