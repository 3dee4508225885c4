"""Dialog state for python-telegram-bot, in the database."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from db.botstate import (
    drop_user_data,
    get_user_data,
    load_conversations,
    load_user_data,
    save_conversation,
    save_user_data,
)


def test_conversations_round_trip(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        save_conversation(s, "workout", (5, 5), 3)
        save_conversation(s, "workout", (5, 5), 4)  # an update, not a second row
        save_conversation(s, "workout", (-100123, 6), 1)
        save_conversation(s, "profile", (5, 5), 1)
        save_conversation(s, "profile", ("inline", 9), {"step": "goals"})
    with sessions.begin() as s:
        assert load_conversations(s, "workout") == {(5, 5): 4, (-100123, 6): 1}
        assert load_conversations(s, "profile") == {(5, 5): 1, ("inline", 9): {"step": "goals"}}
        save_conversation(s, "workout", (5, 5), None)
        save_conversation(s, "workout", (7, 7), None)  # ending an unknown one is harmless
    with sessions.begin() as s:
        assert load_conversations(s, "workout") == {(-100123, 6): 1}
        assert load_conversations(s, "nothing") == {}


def test_user_data_round_trip(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        assert get_user_data(s, 5) is None
        save_user_data(s, 5, {"draft": {"coach": "MAX", "equipment": ["bench"]}})
        save_user_data(s, 6, {})
        save_user_data(s, 5, {"draft": {"coach": "KAI"}})
    with sessions.begin() as s:
        assert get_user_data(s, 5) == {"draft": {"coach": "KAI"}}
        assert load_user_data(s) == {5: {"draft": {"coach": "KAI"}}, 6: {}}
        drop_user_data(s, 5)
        drop_user_data(s, 99)
    with sessions.begin() as s:
        assert get_user_data(s, 5) is None
        assert load_user_data(s) == {6: {}}
