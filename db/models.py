"""The schema: typed SQLAlchemy 2 models. Alembic revisions (db/migrations) create it.

Enumerations are stored as their lower-case string values with CHECK constraints, so the
same schema works on PostgreSQL and on the embedded SQLite default.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "REQUEST_STATES",
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
]

REQUEST_STATES = ("queued", "generating", "generated", "delivered", "failed")
PLAN_SOURCES = ("ai", "rule_based", "fallback")
AI_OUTCOMES = ("ok", "rejected", "invalid", "error")
RATINGS = ("too_easy", "just_right", "too_hard")

JSONType = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, list[Any]: JSONType}


class _Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class User(_Timestamps, Base):
    """A person: a Telegram user, or the CLI's local user (no telegram_id)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("units", ("kg", "lb")), name="units"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(64))
    units: Mapped[str] = mapped_column(String(2), default="kg", server_default="kg")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    profile: Mapped[ProfileRow | None] = relationship(back_populates="user")


class ProfileRow(_Timestamps, Base):
    """Fitness level, goals, equipment, preferred coach, limitations."""

    __tablename__ = "profiles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    level: Mapped[str] = mapped_column(String(16))
    goals: Mapped[list[Any]] = mapped_column(default=list)
    equipment: Mapped[list[Any]] = mapped_column(default=list)
    preferred_coach: Mapped[str] = mapped_column(String(8))
    limitations: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="profile")


class WorkoutRequestRow(_Timestamps, Base):
    """One ask for a workout and where it stands (see jobs/generate.py)."""

    __tablename__ = "workout_requests"
    __table_args__ = (
        CheckConstraint(_in("state", REQUEST_STATES), name="state"),
        CheckConstraint("duration_min BETWEEN 10 AND 180", name="duration"),
        Index(None, "state", "updated_at"),
        Index(None, "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    coach: Mapped[str] = mapped_column(String(8))
    workout_type: Mapped[str] = mapped_column(String(16))
    duration_min: Mapped[int] = mapped_column(Integer)
    equipment: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The placeholder chat message the worker edits into the workout."""
    delivered_message_ids: Mapped[list[Any] | None] = mapped_column()
    """Message ids of the parts sent so far, in order (part 0 is the placeholder)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """The Dramatiq message id that holds the 'generating' claim."""
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    generating_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
    plan: Mapped[WorkoutPlan | None] = relationship(back_populates="request")


class WorkoutPlan(Base):
    """The workout made for a request: exactly one per request."""

    __tablename__ = "workout_plans"
    __table_args__ = (
        CheckConstraint(_in("source", PLAN_SOURCES), name="source"),
        Index("ix_workout_plans_user_latest", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("workout_requests.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workout: Mapped[dict[str, Any]] = mapped_column()
    source: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(64))
    estimated_minutes: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )

    request: Mapped[WorkoutRequestRow] = relationship(back_populates="plan")


class AIGenerationLog(Base):
    """One AI call, good or bad."""

    __tablename__ = "ai_generation_logs"
    __table_args__ = (
        CheckConstraint(_in("outcome", AI_OUTCOMES), name="outcome"),
        Index(None, "request_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("workout_requests.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(64))
    latency_ms: Mapped[int] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    response_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class WorkoutLog(Base):
    """A completed session: how it went."""

    __tablename__ = "workout_logs"
    __table_args__ = (
        CheckConstraint(f"rating IS NULL OR {_in('rating', RATINGS)}", name="rating"),
        Index(None, "user_id", "performed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("workout_plans.id", ondelete="SET NULL"))
    performed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rating: Mapped[str | None] = mapped_column(String(16))
    rpe: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)

    sets: Mapped[list[WorkoutLogSet]] = relationship(
        back_populates="log", cascade="all, delete-orphan", order_by="WorkoutLogSet.id"
    )


class WorkoutLogSet(Base):
    """One set actually done, weights in kg."""

    __tablename__ = "workout_log_sets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("workout_logs.id", ondelete="CASCADE"))
    exercise_name: Mapped[str] = mapped_column(String(80))
    set_number: Mapped[int] = mapped_column(Integer)
    reps: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    rpe: Mapped[float | None] = mapped_column(Float)

    log: Mapped[WorkoutLog] = relationship(back_populates="sets")


class BotConversation(Base):
    """python-telegram-bot conversation state, so dialogs survive a restart."""

    __tablename__ = "bot_conversations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSONType, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class BotUserData(Base):
    """python-telegram-bot user_data (dialog drafts) per Telegram user."""

    __tablename__ = "bot_user_data"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
