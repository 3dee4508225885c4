"""Dialog state for python-telegram-bot's persistence: conversations and user_data.

The bot holds no state of its own, so a restart (or a second machine) resumes every
dialog from here. Conversation keys are tuples such as ``(chat_id, user_id)``, stored
JSON-encoded; states are whatever JSON can hold (the dialogs use IntEnum numbers).
Writes are upserts (``INSERT ... ON CONFLICT DO UPDATE``, on PostgreSQL and SQLite alike),
so two updates of the same user at once cannot collide on the primary key.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Insert, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import BotConversation, BotUserData, utcnow

__all__ = [
    "ConversationKey",
    "drop_user_data",
    "get_user_data",
    "load_conversations",
    "load_user_data",
    "save_conversation",
    "save_user_data",
]

ConversationKey = tuple[int | str, ...]


def _encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _upsert(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    """Insert ``values`` or, when a row with the same ``keys`` exists, update it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(values)
        statement: Insert = pg.on_conflict_do_update(
            index_elements=keys, set_={k: pg.excluded[k] for k in values if k not in keys}
        )
    elif dialect == "sqlite":
        lite = sqlite.insert(table).values(values)
        statement = lite.on_conflict_do_update(
            index_elements=keys, set_={k: lite.excluded[k] for k in values if k not in keys}
        )
    else:
        raise NotImplementedError(f"no upsert for {dialect}")
    session.execute(statement)


def load_conversations(session: Session, name: str) -> dict[ConversationKey, object]:
    """Every open conversation of the handler called ``name``: key -> state."""
    rows = session.execute(
        select(BotConversation.key, BotConversation.state).where(BotConversation.name == name)
    )
    return {tuple(json.loads(key)): state for key, state in rows}


def save_conversation(
    session: Session, name: str, key: ConversationKey, state: object | None
) -> None:
    """Store the state of one conversation; None ends it."""
    encoded = _encode_key(key)
    if state is None:
        session.execute(
            delete(BotConversation).where(
                BotConversation.name == name, BotConversation.key == encoded
            )
        )
        return
    values = {"name": name, "key": encoded, "state": state, "updated_at": utcnow()}
    _upsert(session, BotConversation.__table__, values, ["name", "key"])  # type: ignore[arg-type]


def load_user_data(session: Session) -> dict[int, dict[str, object]]:
    """Every Telegram user's data: telegram id -> dict."""
    rows = session.execute(select(BotUserData.telegram_id, BotUserData.data))
    return {telegram_id: dict(data) for telegram_id, data in rows}


def get_user_data(session: Session, telegram_id: int) -> dict[str, object] | None:
    """One Telegram user's data, or None when there is none."""
    data = session.scalar(select(BotUserData.data).where(BotUserData.telegram_id == telegram_id))
    return dict(data) if data is not None else None


def save_user_data(session: Session, telegram_id: int, data: dict[str, object]) -> None:
    """Replace one Telegram user's data (it must be JSON-serializable)."""
    values = {"telegram_id": telegram_id, "data": dict(data), "updated_at": utcnow()}
    _upsert(session, BotUserData.__table__, values, ["telegram_id"])  # type: ignore[arg-type]


def drop_user_data(session: Session, telegram_id: int) -> None:
    """Forget one Telegram user's data."""
    session.execute(delete(BotUserData).where(BotUserData.telegram_id == telegram_id))
