"""Dialog state for python-telegram-bot's persistence: conversations and user_data.

Keys of conversations are tuples (chat id, user id); they are stored JSON-encoded.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import BotConversation, BotUserData

__all__ = [
    "drop_user_data",
    "get_user_data",
    "load_conversations",
    "load_user_data",
    "save_conversation",
    "save_user_data",
]

ConversationKey = tuple[int | str, ...]


def load_conversations(session: Session, name: str) -> dict[ConversationKey, object]:
    rows = session.scalars(select(BotConversation).where(BotConversation.name == name))
    return {tuple(json.loads(r.key)): r.state for r in rows}


def save_conversation(
    session: Session, name: str, key: ConversationKey, state: object | None
) -> None:
    """Store the state of one conversation; None ends it."""
    encoded = json.dumps(list(key))
    row = session.get(BotConversation, (name, encoded))
    if state is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(BotConversation(name=name, key=encoded, state=state))
    else:
        row.state = state


def load_user_data(session: Session) -> dict[int, dict[str, Any]]:
    return {r.telegram_id: dict(r.data) for r in session.scalars(select(BotUserData))}


def get_user_data(session: Session, telegram_id: int) -> dict[str, Any] | None:
    row = session.get(BotUserData, telegram_id)
    return dict(row.data) if row is not None else None


def save_user_data(session: Session, telegram_id: int, data: dict[str, Any]) -> None:
    row = session.get(BotUserData, telegram_id)
    if row is None:
        session.add(BotUserData(telegram_id=telegram_id, data=dict(data)))
    else:
        row.data = dict(data)


def drop_user_data(session: Session, telegram_id: int) -> None:
    session.execute(delete(BotUserData).where(BotUserData.telegram_id == telegram_id))
