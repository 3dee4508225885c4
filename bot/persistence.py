"""Dialog state in the project's database, so the bot process holds none of its own.

``DBPersistence`` is python-telegram-bot's persistence for conversations and user_data
(the dialogs' drafts) on top of db.botstate. chat_data, bot_data and callback data are not
stored: the bot does not use them. Every database call runs in a worker thread
(``asyncio.to_thread``), never on the event loop, each in its own short transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram.ext import BasePersistence, PersistenceInput

from db import botstate

__all__ = ["DEFAULT_UPDATE_INTERVAL", "DBPersistence"]

UserData = dict[str, Any]
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
"""PTB's types for these (telegram.ext._utils.types is private), spelled out."""

DEFAULT_UPDATE_INTERVAL = 1.0
"""Seconds between writes of changed dialog state; a crash loses at most this much."""


class DBPersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    """Conversations and user_data in the tables of db.botstate."""

    def __init__(
        self, sessions: sessionmaker[Session], *, update_interval: float = DEFAULT_UPDATE_INTERVAL
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._sessions = sessions

    # ------------------------------------------------------------------ stored

    def _load_user_data(self) -> dict[int, UserData]:
        with self._sessions.begin() as session:
            return {uid: dict(data) for uid, data in botstate.load_user_data(session).items()}

    def _load_conversations(self, name: str) -> ConversationDict:
        with self._sessions.begin() as session:
            return dict(botstate.load_conversations(session, name))

    def _save_conversation(self, name: str, key: ConversationKey, state: object | None) -> None:
        with self._sessions.begin() as session:
            botstate.save_conversation(session, name, tuple(key), state)

    def _save_user_data(self, user_id: int, data: UserData) -> None:
        with self._sessions.begin() as session:
            botstate.save_user_data(session, user_id, data)

    def _drop_user_data(self, user_id: int) -> None:
        with self._sessions.begin() as session:
            botstate.drop_user_data(session, user_id)

    async def get_user_data(self) -> dict[int, UserData]:
        """Every user's dialog data."""
        return await asyncio.to_thread(self._load_user_data)

    async def get_conversations(self, name: str) -> ConversationDict:
        """Every open conversation of the handler ``name``."""
        return await asyncio.to_thread(self._load_conversations, name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store one conversation's state; None ends it."""
        state = int(new_state) if isinstance(new_state, int) else new_state
        await asyncio.to_thread(self._save_conversation, name, key, state)

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        """Store one user's dialog data; empty data (no dialog open) leaves no row behind."""
        if data:
            await asyncio.to_thread(self._save_user_data, user_id, data)
        else:
            await asyncio.to_thread(self._drop_user_data, user_id)

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's dialog data."""
        await asyncio.to_thread(self._drop_user_data, user_id)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to refresh: one bot process owns the dialog state of its token."""

    async def flush(self) -> None:
        """Nothing is buffered: every update is written when it is handed over."""

    # ------------------------------------------------------------------ not stored

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """chat_data is not stored."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """bot_data is not stored (it holds the process's resources)."""
        return {}

    async def get_callback_data(self) -> CDCData | None:
        """Arbitrary callback data is not used."""
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """chat_data is not stored."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """bot_data is not stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """chat_data is not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """chat_data is not stored."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """bot_data is not stored."""
