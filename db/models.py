"""The schema: typed SQLAlchemy 2 models. The Alembic revisions (db/migrations) create it.

The same schema runs on PostgreSQL and on the embedded SQLite default, so:

- enumerations are stored as their lower-case ``.value`` strings with CHECK constraints;
  the columns of core.domain's enums (``stored_enum``) give and take the enum members;
- ids are ``Uuid`` (users, profiles) or integers (everything that ends up in Telegram
  callback data, which is limited to 64 bytes);
- JSON columns are ``JSON``, JSONB on PostgreSQL;
- every timestamp is ``UTCDateTime``: UTC-aware in Python on both databases (SQLite keeps
  no time zone, so UTC is written there and attached again on the way out).

``NAMING`` gives constraints and indexes predictable names (``uq_users_telegram_id``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
    func,
)
from sqlalchemy import true as sa_true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.domain import FitnessLevel, RequestState, Units, WorkoutType

__all__ = [
    "AI_OUTCOMES",
    "DUE_KINDS",
    "DUE_STATES",
    "NAMING",
    "PLAN_SOURCES",
    "RATINGS",
    "REQUEST_STATES",
    "SESSION_STATES",
    "SPLITS",
    "UNITS",
    "AIGenerationLog",
    "Base",
    "BotConversation",
    "BotUserData",
    "LiveSession",
    "PlannedSession",
    "ProfileRow",
    "ScheduledJob",
    "TrainingPlan",
    "UTCDateTime",
    "User",
    "WorkoutLog",
    "WorkoutLogSet",
    "WorkoutPlan",
    "WorkoutRequestRow",
    "utcnow",
]

REQUEST_STATES = tuple(s.value for s in RequestState)
PLAN_SOURCES = ("ai", "rule_based", "fallback")
AI_OUTCOMES = ("ok", "rejected", "invalid", "error")
RATINGS = ("too_easy", "just_right", "too_hard")
UNITS = tuple(u.value for u in Units)
SPLITS = ("full_body", "upper_lower", "push_pull_legs")
SESSION_STATES = ("planned", "reminded", "started", "skipped", "missed")
DUE_KINDS = ("prepare", "remind", "review", "rest")
"""What a due row does when it fires (usecases/schedule.py has one actor per kind; ``rest``
is the live session's rest timer, for the next issue)."""
DUE_STATES = ("pending", "queued", "sending", "done", "skipped", "cancelled")

JSONType = JSON().with_variant(JSONB(), "postgresql")
NullableJSON = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")
"""SQLite autoincrements only a column declared exactly INTEGER PRIMARY KEY."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, UTC-aware."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that takes and gives UTC-aware datetimes on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a time-zone-aware value")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def stored_enum(enum: type[StrEnum], length: int) -> Enum:
    """A column type for one of core.domain's enums: VARCHAR(length) holding the member's
    value (the CHECK constraint is the table's own, as the migrations create it)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with the naming convention and the portable column types."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        dt.datetime: UTCDateTime,
    }


class _Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class User(_Timestamps, Base):
    """A person: a Telegram user, or a local user of the CLI (no telegram_id)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("units", UNITS), name="units"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(64))
    units: Mapped[Units] = mapped_column(
        stored_enum(Units, 2), default=Units.KG, server_default=Units.KG.value
    )
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The user blocked the bot; set by a failed delivery, cleared when they write again."""

    profile: Mapped[ProfileRow | None] = relationship(back_populates="user")


class ProfileRow(_Timestamps, Base):
    """Fitness level, goals, equipment, preferred coach, limitations (units live on User)."""

    __tablename__ = "profiles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    level: Mapped[FitnessLevel] = mapped_column(stored_enum(FitnessLevel, 16))
    goals: Mapped[list[Any]] = mapped_column(default=list)
    equipment: Mapped[list[Any]] = mapped_column(default=list)
    preferred_coach: Mapped[str] = mapped_column(String(8))
    limitations: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="profile")


class WorkoutRequestRow(_Timestamps, Base):
    """One ask for a workout and where it stands (the state machine: usecases/lifecycle.py)."""

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
    workout_type: Mapped[WorkoutType] = mapped_column(stored_enum(WorkoutType, 16))
    duration_min: Mapped[int] = mapped_column(Integer)
    equipment: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[RequestState] = mapped_column(
        stored_enum(RequestState, 16),
        default=RequestState.QUEUED,
        server_default=RequestState.QUEUED.value,
    )
    """Written only by usecases/lifecycle.py."""
    failure_reason: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The placeholder chat message the worker edits into the workout."""
    delivered_message_ids: Mapped[list[Any] | None] = mapped_column(NullableJSON)
    """Message ids of the parts sent so far, in order (part 0 is the placeholder)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many times the actor started generating this request."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """The Dramatiq message id that holds the 'generating' claim."""
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    generating_since: Mapped[dt.datetime | None] = mapped_column()
    """When the state last became 'generating': how stale claims are found."""
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
    avoid_exercises: Mapped[list[Any] | None] = mapped_column(NullableJSON)
    """Exercise names the workout should not use: the previous plan's, for a Regenerate."""
    focus: Mapped[str | None] = mapped_column(String(16))
    """A split's day (core.domain.Focus: upper, lower, push, pull, legs) for a plan's
    session; None: the whole body."""

    user: Mapped[User] = relationship()
    plan: Mapped[WorkoutPlan | None] = relationship(back_populates="request")


class WorkoutPlan(Base):
    """The workout made for a request: exactly one per request."""

    __tablename__ = "workout_plans"
    __table_args__ = (CheckConstraint(_in("source", PLAN_SOURCES), name="source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workout_requests.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workout: Mapped[dict[str, Any]] = mapped_column()
    """``Workout.model_dump(mode="json")``."""
    source: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(64))
    estimated_minutes: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    request: Mapped[WorkoutRequestRow] = relationship(back_populates="plan")


Index(
    "ix_workout_plans_user_id_created_at",
    WorkoutPlan.user_id,
    WorkoutPlan.created_at.desc(),
)  # "my latest plans"


class AIGenerationLog(Base):
    """One AI call, good or bad."""

    __tablename__ = "ai_generation_logs"
    __table_args__ = (
        CheckConstraint(_in("outcome", AI_OUTCOMES), name="outcome"),
        Index(None, "request_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workout_requests.id", ondelete="CASCADE")
    )
    model: Mapped[str] = mapped_column(String(64))
    latency_ms: Mapped[int] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    response_text: Mapped[str | None] = mapped_column(Text)
    """The raw answer, at most 4000 characters."""
    score: Mapped[int | None] = mapped_column(Integer)
    """How close the used answer came to the coach rules, 0-100 (core/score.py)."""
    review: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    """What was made of the answer: ``{"repairs": [{"kind", "what"}], "misses": [...],
    "renamed": [...], "unmatched": [...]}`` (core/repair.py, core/score.py,
    core/grounding.py); None when nothing was changed, missed or left unmatched."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class WorkoutLog(Base):
    """A completed session: when, how it felt."""

    __tablename__ = "workout_logs"
    __table_args__ = (
        CheckConstraint(f"rating IS NULL OR {_in('rating', RATINGS)}", name="rating"),
        Index(None, "user_id", "performed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("workout_plans.id", ondelete="SET NULL")
    )
    performed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rating: Mapped[str | None] = mapped_column(String(16))
    rpe: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)

    sets: Mapped[list[WorkoutLogSet]] = relationship(
        back_populates="log", cascade="all, delete-orphan", order_by="WorkoutLogSet.id"
    )


class WorkoutLogSet(Base):
    """One set actually done; weights in kg whatever the user's units."""

    __tablename__ = "workout_log_sets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workout_logs.id", ondelete="CASCADE"), index=True
    )  # a user's sets are read by joining their logs (/progress, /export)
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
    """The conversation key tuple, JSON-encoded: ``[chat_id, user_id]``."""
    state: Mapped[Any] = mapped_column(NullableJSON, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BotUserData(Base):
    """python-telegram-bot ``user_data`` (dialog drafts) per Telegram user."""

    __tablename__ = "bot_user_data"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrainingPlan(_Timestamps, Base):
    """A user's week (/plan): training days, local time and zone, length, coach, type or
    split. One per user; ``active`` False after /plan off."""

    __tablename__ = "training_plans"
    __table_args__ = (
        CheckConstraint(f"split IS NULL OR {_in('split', SPLITS)}", name="split"),
        CheckConstraint("duration_min BETWEEN 10 AND 180", name="duration"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    days: Mapped[list[Any]] = mapped_column(default=list)
    """Weekdays, 0 (Monday) to 6."""
    local_time: Mapped[str] = mapped_column(String(5))
    """"HH:MM" in the user's zone."""
    time_zone: Mapped[str] = mapped_column(String(64))
    """An IANA zone name."""
    duration_min: Mapped[int] = mapped_column(Integer)
    coach: Mapped[str] = mapped_column(String(8))
    workout_type: Mapped[str | None] = mapped_column(String(16))
    """A workout type for every day, or None when ``split`` decides."""
    split: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())


class PlannedSession(_Timestamps, Base):
    """One session of a plan on a local day: its focus, its reminder, what became of it."""

    __tablename__ = "planned_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATES), name="status"),
        UniqueConstraint("plan_id", "planned_date"),
        Index(None, "user_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("training_plans.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    planned_date: Mapped[dt.date] = mapped_column(Date)
    """The local day the plan gave it (unique per plan: planning it twice makes one)."""
    local_date: Mapped[dt.date] = mapped_column(Date)
    """The local day it is on now (Tomorrow moves it)."""
    fire_at: Mapped[dt.datetime] = mapped_column()
    """When its reminder goes out (UTC)."""
    focus: Mapped[str] = mapped_column(String(16))
    """A split's focus (core.schedule.Focus) or the plan's workout type."""
    workout_type: Mapped[str] = mapped_column(String(16))
    coach: Mapped[str] = mapped_column(String(8))
    duration_min: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned")
    request_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("workout_requests.id", ondelete="SET NULL")
    )
    """The workout generated ahead for it."""
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The reminder's chat message."""


class ScheduledJob(Base):
    """A due row: something to do at ``fire_at`` (UTC), claimed by the scheduler with
    ``FOR UPDATE SKIP LOCKED`` and done by the idempotent actor of its ``kind``."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        CheckConstraint(_in("kind", DUE_KINDS), name="kind"),
        CheckConstraint(_in("status", DUE_STATES), name="status"),
        UniqueConstraint("kind", "session_id"),
        UniqueConstraint("kind", "plan_id", "fire_at"),
        Index(None, "status", "fire_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("training_plans.id", ondelete="CASCADE")
    )
    """The plan it belongs to (a weekly review has no session, only this)."""
    session_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("planned_sessions.id", ondelete="CASCADE")
    )
    fire_at: Mapped[dt.datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    """When a scheduler queued it (a row queued long ago lost its message: queued again)."""
    done_at: Mapped[dt.datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    """Why it was skipped (late, blocked, the plan stopped)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class LiveSession(_Timestamps, Base):
    """A workout being done set by set (Start under a workout): where it is (``position``,
    the JSON of ``core.live.LiveState``; not called state, which is a request's), its one
    chat message, and the log its sets go to."""

    __tablename__ = "live_sessions"
    __table_args__ = (Index(None, "user_id", "active"), Index(None, "rest_until"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("workout_plans.id", ondelete="CASCADE"))
    log_id: Mapped[int] = mapped_column(BigId, ForeignKey("workout_logs.id", ondelete="CASCADE"))
    """The workout log its sets are written to as they are done (the same log as Done)."""
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The session's message, edited in place at every step."""
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[dict[str, Any]] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    rest_until: Mapped[dt.datetime | None] = mapped_column()
    """When the running rest ends (UTC): the rest timer's fire time; None outside a rest."""
    rest_queued_at: Mapped[dt.datetime | None] = mapped_column()
    """When the scheduler handed the timer to its actor (so the next tick does not again,
    unless the actor's message was lost)."""
