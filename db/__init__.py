"""Persistence: SQLAlchemy 2 models, sessions, query functions, Alembic migrations.

Query functions take the session as their first parameter and never commit: the caller
owns the unit of work (``with sessions.begin() as session:``).
"""

from __future__ import annotations

from db.models import (
    AIGenerationLog,
    Base,
    BotConversation,
    BotUserData,
    ProfileRow,
    User,
    WorkoutLog,
    WorkoutLogSet,
    WorkoutPlan,
    WorkoutRequestRow,
)
from db.session import create_db_engine, session_factory

__all__ = [
    "AIGenerationLog",
    "Base",
    "BotConversation",
    "BotUserData",
    "ProfileRow",
    "User",
    "WorkoutLog",
    "WorkoutLogSet",
    "WorkoutPlan",
    "WorkoutRequestRow",
    "create_db_engine",
    "session_factory",
]
