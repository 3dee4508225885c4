"""Persistence: SQLAlchemy 2 models, sessions, query functions, Alembic migrations.

Query functions take the session as their first parameter and never commit: the caller
owns the unit of work (``with sessions.begin() as session:``).

    db.session      engines and session factories (PostgreSQL, or the embedded SQLite)
    db.migrate      Alembic from code: upgrade(url), is_at_head(url) (import it by name:
                    the bot and the worker never load Alembic)
    db.models       the tables
    db.users        users, profiles, the demo user
    db.requests     workout requests through their states, plans, AI-call logs
    db.history      past plans: /history pages, one plan, recent workouts for the generator
    db.workoutlogs  completed workouts
    db.botstate     python-telegram-bot persistence (dialog state)
"""

from __future__ import annotations

from db.botstate import (
    drop_user_data,
    get_user_data,
    load_conversations,
    load_user_data,
    save_conversation,
    save_user_data,
)
from db.history import (
    PlanSummary,
    StoredPlan,
    count_plans,
    get_plan,
    get_plan_for_request,
    list_plans,
    recent_history,
)
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
from db.requests import (
    active_request_for_user,
    add_generation_logs,
    count_requests_since,
    create_request,
    get_request,
    lock_request,
    make_idempotency_key,
    mark_delivered,
    mark_failed,
    mark_generating,
    save_plan,
    set_placeholder,
    stale_requests,
    to_generation_request,
)
from db.session import create_db_engine, session_factory
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
from db.workoutlogs import LoggedSet, log_workout, recent_logs

__all__ = [
    "DEMO_PROFILE_ID",
    "AIGenerationLog",
    "Base",
    "BotConversation",
    "BotUserData",
    "LoggedSet",
    "PlanSummary",
    "ProfileRow",
    "StoredPlan",
    "User",
    "WorkoutLog",
    "WorkoutLogSet",
    "WorkoutPlan",
    "WorkoutRequestRow",
    "active_request_for_user",
    "add_generation_logs",
    "count_plans",
    "count_requests_since",
    "create_db_engine",
    "create_request",
    "drop_user_data",
    "ensure_demo_user",
    "get_or_create_local_user",
    "get_plan",
    "get_plan_for_request",
    "get_request",
    "get_user_by_telegram_id",
    "get_user_data",
    "list_plans",
    "load_conversations",
    "load_profile",
    "load_user_data",
    "lock_request",
    "log_workout",
    "make_idempotency_key",
    "mark_blocked",
    "mark_delivered",
    "mark_failed",
    "mark_generating",
    "recent_history",
    "recent_logs",
    "save_conversation",
    "save_plan",
    "save_profile",
    "save_user_data",
    "session_factory",
    "set_placeholder",
    "stale_requests",
    "to_generation_request",
    "upsert_telegram_user",
]
